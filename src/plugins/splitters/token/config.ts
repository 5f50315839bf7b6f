import { defineOptions } from '../../../plugin-api/index.js';

export const tokenSplitterOptions = defineOptions({
  delimiter: {
    type: 'string',
    default: '\n',
    doc: 'The single byte that ends a record; it stays part of the record.',
    check: (v) => (Buffer.byteLength(String(v)) !== 1 ? 'TokenSplitter delimiter must be a single character.' : undefined),
  },
  count: {
    type: 'uint',
    default: 1,
    doc: 'A record ends after this many delimiters (0 behaves like 1).',
  },
});

export interface TokenSplitterConfig {
  delimiter: string;
  count: number;
}
