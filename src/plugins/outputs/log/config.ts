import { defineOptions } from '../../../plugin-api/index.js';

/** LogOutput has no options of its own; the line prefix follows [hekad] log_flags. */
export const logOutputOptions = defineOptions({});

export type LogOutputConfig = Record<string, never>;
