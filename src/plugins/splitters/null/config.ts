import { defineOptions } from '../../../plugin-api/index.js';

/** NullSplitter has no options of its own (only the common splitter options). */
export const nullSplitterOptions = defineOptions({});

export type NullSplitterConfig = Record<string, never>;
