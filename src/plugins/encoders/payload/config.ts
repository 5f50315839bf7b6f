import { defineOptions } from '../../../plugin-api/index.js';

export const payloadEncoderOptions = defineOptions({
  append_newlines: {
    type: 'bool',
    default: true,
    doc: 'Append a newline to every payload, even one that already ends with a newline.',
  },
  prefix_ts: {
    type: 'bool',
    default: false,
    doc: 'Prepend a timestamp formatted with ts_format.',
  },
  ts_from_message: {
    type: 'bool',
    default: true,
    doc: 'Use the message Timestamp for the prefix (false: the time of encoding).',
  },
  ts_format: {
    type: 'string',
    default: '[%Y/%b/%d:%H:%M:%S %z]',
    doc: 'strftime format of the prefix, in the local time zone; a space is appended unless it ends with one.',
  },
});

export interface PayloadEncoderConfig {
  append_newlines: boolean;
  prefix_ts: boolean;
  ts_from_message: boolean;
  ts_format: string;
}
