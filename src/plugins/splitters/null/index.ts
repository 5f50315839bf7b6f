import { definePlugin } from '../../../plugin-api/index.js';
import { nullSplitterOptions } from './config.js';
import { NullSplitter } from './null-splitter.js';

export default definePlugin({
  kind: 'splitter',
  type: 'NullSplitter',
  summary: 'Passes every chunk of bytes read through as one record, without looking for boundaries.',
  options: nullSplitterOptions,
  commonDefaults: { min_buffer_size: 65536 },
  create: () => new NullSplitter(),
});
