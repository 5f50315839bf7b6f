import { definePlugin } from '../../../plugin-api/index.js';
import { httpOutputOptions, validateHttpOutput, type HttpOutputConfig } from './config.js';
import { HttpOutput } from './http-output.js';

export default definePlugin({
  kind: 'output',
  type: 'HttpOutput',
  summary: 'Sends each encoded message as the body of one HTTP request; 5xx, 429 and connection errors are retried.',
  options: httpOutputOptions,
  encoderRequired: true,
  validate: (config) => validateHttpOutput(config),
  create: (config: HttpOutputConfig, ctx) => new HttpOutput(config, ctx),
});
