import { defineOptions } from '../../../plugin-api/index.js';

export const regexSplitterOptions = defineOptions({
  delimiter: {
    type: 'string',
    default: '\\n',
    doc: 'Regular expression (Go RE2 syntax) matching a record boundary; at most one capture group.',
  },
  delimiter_eol: {
    type: 'bool',
    default: true,
    doc: 'Whether the captured text ends the current record (true) or starts the next one (false).',
  },
});

export interface RegexSplitterConfig {
  delimiter: string;
  delimiter_eol: boolean;
}
