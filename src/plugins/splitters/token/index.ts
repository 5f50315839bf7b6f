import { definePlugin } from '../../../plugin-api/index.js';
import { tokenSplitterOptions, type TokenSplitterConfig } from './config.js';
import { TokenSplitter } from './token-splitter.js';

export default definePlugin({
  kind: 'splitter',
  type: 'TokenSplitter',
  summary: 'Splits a byte stream after every `count`-th occurrence of a single delimiter byte (newline by default).',
  options: tokenSplitterOptions,
  create: (config: TokenSplitterConfig) => new TokenSplitter(config),
});
