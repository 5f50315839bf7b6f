import { definePlugin } from '../../../plugin-api/index.js';
import { logstreamerOptions, type LogstreamerConfig } from './config.js';
import { legacySplitter, LogstreamerInput } from './logstreamer-input.js';

export default definePlugin({
  kind: 'input',
  type: 'LogstreamerInput',
  summary: 'Tails sets of rotating log files as logstreams, resuming from acknowledged journal positions.',
  options: logstreamerOptions,
  defaultSplitter: 'TokenSplitter',
  validate(config) {
    try {
      legacySplitter(config as unknown as LogstreamerConfig);
      return [];
    } catch (e) {
      return [{ option: 'delimiter', reason: (e as Error).message }];
    }
  },
  create: (config: LogstreamerConfig, ctx) => new LogstreamerInput(config, ctx),
});

export { LogstreamerInput };
