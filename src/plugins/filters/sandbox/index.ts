import { definePlugin } from '../../../plugin-api/index.js';
import { validateSandbox } from '../../../sandbox/plugin-support.js';
import { options, type SandboxFilterConfig } from './config.js';
import { SandboxFilter } from './sandbox-filter.js';

export default definePlugin({
  kind: 'filter',
  type: 'SandboxFilter',
  summary: "Runs a sandbox filter: Heka's built-in stat_graph/http_status, or a user JS/TS script in an isolated worker.",
  options,
  defaultCanExit: true,
  validate: (config, globals) => validateSandbox(config, globals, 'filter'),
  create: (config: SandboxFilterConfig, ctx) => new SandboxFilter(config, ctx),
});
