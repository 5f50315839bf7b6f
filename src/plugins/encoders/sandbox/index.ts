import { definePlugin } from '../../../plugin-api/index.js';
import { validateSandbox } from '../../../sandbox/plugin-support.js';
import { options, type SandboxEncoderConfig } from './config.js';
import { SandboxEncoder } from './sandbox-encoder.js';

export default definePlugin({
  kind: 'encoder',
  type: 'SandboxEncoder',
  summary: "Encodes messages with a sandbox script: Heka's built-in encoders, or a user JS/TS script in an isolated worker.",
  options,
  validate: (config, globals) => validateSandbox(config, globals, 'encoder'),
  create: (config: SandboxEncoderConfig, ctx) => new SandboxEncoder(config, ctx),
});
