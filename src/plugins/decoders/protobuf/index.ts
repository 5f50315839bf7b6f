import { definePlugin } from '../../../plugin-api/index.js';
import { protobufDecoderOptions } from './config.js';
import { ProtobufDecoder } from './protobuf-decoder.js';

export default definePlugin({
  kind: 'decoder',
  type: 'ProtobufDecoder',
  summary: 'Parses Heka protobuf message bytes (as read by HekaFramingSplitter) into the message.',
  options: protobufDecoderOptions,
  create: () => new ProtobufDecoder(),
});
