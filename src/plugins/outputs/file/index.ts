import { definePlugin } from '../../../plugin-api/index.js';
import { fileOutputOptions, type FileOutputConfig } from './config.js';
import { FileOutput } from './file-output.js';

export default definePlugin({
  kind: 'output',
  type: 'FileOutput',
  summary: 'Appends encoded messages to a file in fsynced batches, optionally rotating it by time.',
  options: fileOutputOptions,
  encoderRequired: true,
  create: (config: FileOutputConfig, ctx) => new FileOutput(config, ctx),
});
