import { defineOptions } from '../../../plugin-api/index.js';

/** ProtobufEncoder has no options of its own. */
export const protobufEncoderOptions = defineOptions({});

export type ProtobufEncoderConfig = Record<string, never>;
