import { defineOptions } from '../../../plugin-api/index.js';

const octal = (v: unknown): string | undefined =>
  /^0?[0-7]{1,4}$/.test(String(v)) ? undefined : `expected an octal file mode such as "644", got "${String(v)}"`;

export const fileOutputOptions = defineOptions({
  path: {
    type: 'string',
    required: true,
    doc: 'File to append to; with rotation_interval it is a strftime pattern evaluated at each rotation.',
  },
  perm: { type: 'string', default: '644', doc: 'Octal mode of a created file.', check: octal },
  folder_perm: { type: 'string', default: '700', doc: 'Octal mode of created parent directories.', check: octal },
  flush_interval: {
    type: 'uint',
    default: 1000,
    doc: 'Milliseconds between timed flushes (0 disables the timer).',
  },
  flush_count: {
    type: 'uint',
    default: 1,
    doc: 'Number of pending records that triggers a flush.',
    check: (v) => ((v as number) < 1 ? "Parameter 'flush_count' needs to be greater 1." : undefined),
  },
  flush_operator: {
    type: 'string',
    default: 'AND',
    enum: ['AND', 'OR'],
    doc: 'AND: flush when flush_count records are pending and flush_interval has passed; OR: when either holds.',
  },
  rotation_interval: {
    type: 'uint',
    default: 0,
    doc: 'Hours between file rotations (0, 1, 4, 12 or 24), aligned to the epoch; 0 disables rotation.',
    check: (v) => ([0, 1, 4, 12, 24].includes(v as number) ? undefined : 'must be one of 0, 1, 4, 12, 24'),
  },
});

export interface FileOutputConfig {
  path: string;
  perm: string;
  folder_perm: string;
  flush_interval: number;
  flush_count: number;
  flush_operator: 'AND' | 'OR';
  rotation_interval: number;
}
