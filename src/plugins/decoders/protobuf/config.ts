import { defineOptions } from '../../../plugin-api/index.js';

/** ProtobufDecoder has no options of its own. */
export const protobufDecoderOptions = defineOptions({});

export type ProtobufDecoderConfig = Record<string, never>;
