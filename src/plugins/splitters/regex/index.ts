import { definePlugin } from '../../../plugin-api/index.js';
import { regexSplitterOptions, type RegexSplitterConfig } from './config.js';
import { RegexSplitter } from './regex-splitter.js';

export default definePlugin({
  kind: 'splitter',
  type: 'RegexSplitter',
  summary: 'Splits a byte stream at every match of a regular expression, keeping or discarding the delimiter.',
  options: regexSplitterOptions,
  validate(config) {
    try {
      new RegexSplitter(config as Partial<RegexSplitterConfig>);
      return [];
    } catch (e) {
      return [{ option: 'delimiter', reason: (e as Error).message }];
    }
  },
  create: (config: RegexSplitterConfig) => new RegexSplitter(config),
});
