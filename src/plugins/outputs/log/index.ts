import { definePlugin } from '../../../plugin-api/index.js';
import { logOutputOptions } from './config.js';
import { LogOutput } from './log-output.js';

export default definePlugin({
  kind: 'output',
  type: 'LogOutput',
  summary: "Writes each encoded message to stdout as a line of hekad's log, with the [hekad] log_flags prefix.",
  options: logOutputOptions,
  encoderRequired: true,
  create: () => new LogOutput(),
});
