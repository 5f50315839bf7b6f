import { definePlugin } from '../../../plugin-api/index.js';
import { protobufEncoderOptions } from './config.js';
import { ProtobufEncoder } from './protobuf-encoder.js';

export default definePlugin({
  kind: 'encoder',
  type: 'ProtobufEncoder',
  summary: "Serialises messages as Heka protobuf, forwarding a message's original bytes while it is unmodified.",
  options: protobufEncoderOptions,
  create: () => new ProtobufEncoder(),
});
