import { definePlugin } from '../../../plugin-api/index.js';
import { LOGFILE_TYPE, logstreamerOptions, type LogstreamerConfig } from './config.js';
import { legacySplitter, LogstreamerInput } from './logstreamer-input.js';

export default definePlugin({
  kind: 'input',
  type: 'LogstreamerInput',
  summary: 'Tails sets of rotating log files as logstreams, resuming from acknowledged journal positions.',
  options: logstreamerOptions,
  defaultSplitter: 'TokenSplitter',
  recordType: LOGFILE_TYPE,
  splitterFromOptions: (config) => legacySplitter(config as unknown as LogstreamerConfig),
  create: (config: LogstreamerConfig, ctx) => new LogstreamerInput(config, ctx),
});

export { LogstreamerInput };
