import { definePlugin } from '../../../plugin-api/index.js';
import { payloadEncoderOptions, type PayloadEncoderConfig } from './config.js';
import { PayloadEncoder } from './payload-encoder.js';

export default definePlugin({
  kind: 'encoder',
  type: 'PayloadEncoder',
  summary: 'Writes the message Payload, optionally prefixed with a formatted timestamp and followed by a newline.',
  options: payloadEncoderOptions,
  create: (config: PayloadEncoderConfig, ctx) => new PayloadEncoder(config, ctx.clock),
});
