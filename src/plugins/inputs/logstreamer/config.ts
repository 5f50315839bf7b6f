import { defineOptions } from '../../../plugin-api/index.js';

const isIntTable = (v: unknown): string | undefined => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected a table of tables of integers';
  for (const [group, map] of Object.entries(v as Record<string, unknown>)) {
    if (typeof map !== 'object' || map === null || Array.isArray(map)) return `translation.${group}: expected a table of integers`;
    for (const [k, n] of Object.entries(map as Record<string, unknown>)) {
      if (typeof n !== 'number' && typeof n !== 'bigint') return `translation.${group}.${k}: expected an integer`;
      if (typeof n === 'number' && !Number.isInteger(n)) return `translation.${group}.${k}: expected an integer`;
    }
    if (Object.keys(map as object).length === 1 && !Object.keys(map as object).some((k) => k.toLowerCase() === 'missing')) {
      return `A translation map with one entry ('${group}') must be specifying a 'missing' key.`;
    }
  }
  return undefined;
};

export const logstreamerOptions = defineOptions({
  log_directory: {
    type: 'string',
    default: '/var/log',
    doc: 'Root directory scanned recursively for log files; a symlink here is resolved once at start.',
  },
  file_match: {
    type: 'string',
    required: true,
    doc: 'Regular expression (Go RE2) matched against the path of every file below log_directory.',
  },
  priority: {
    type: 'string[]',
    default: [],
    doc: 'Capture-group names that order a stream\'s files oldest to newest, most significant first; a leading ^ reverses a key.',
  },
  differentiator: {
    type: 'string[]',
    default: [],
    doc: 'Pieces joined into the stream name; a piece naming a capture group is replaced by its match (default: the plugin name).',
  },
  translation: {
    type: 'table',
    default: {},
    doc: 'Per capture group, a table mapping matched text (case-insensitive, or `missing`) to its sort integer.',
    check: isIntTable,
  },
  oldest_duration: {
    type: 'duration',
    default: 720 * 3600 * 1000,
    doc: 'Files last modified longer ago than this are ignored; 0 disables the filter.',
  },
  journal_directory: {
    type: 'string',
    default: '',
    doc: 'Directory of the per-stream position journals (default <base_dir>/logstreamer).',
  },
  rescan_interval: {
    type: 'duration',
    default: 60_000,
    doc: 'How often the directory tree is rescanned for new files and streams.',
  },
  check_data_interval: {
    type: 'duration',
    default: 250,
    doc: 'How often each stream polls its file for new data (Heka 0.11; 0.10 always uses 250ms).',
  },
  initial_tail: {
    type: 'bool',
    default: false,
    doc: 'A stream without a journal starts at the end of its newest file instead of the start of its oldest (Heka 0.11).',
  },
  hostname: {
    type: 'string',
    default: '',
    doc: 'Hostname put on the generated messages (default: the global hostname).',
  },
  parser_type: {
    type: 'string',
    default: '',
    enum: ['', 'token', 'regexp'],
    doc: 'Heka 0.9 compatibility: "token" or "regexp" builds a Token/Regex splitter from delimiter and delimiter_location.',
  },
  delimiter: {
    type: 'string',
    default: '',
    doc: 'Heka 0.9 compatibility: the token byte (default "\\n") or the regular expression (default "\\n") for parser_type.',
  },
  delimiter_location: {
    type: 'string',
    default: 'end',
    enum: ['start', 'end'],
    doc: 'Heka 0.9 compatibility, parser_type = "regexp": whether a captured delimiter ends (end) or starts (start) a record.',
  },
});

export interface LogstreamerConfig {
  log_directory: string;
  file_match: string;
  priority: string[];
  differentiator: string[];
  translation: Record<string, Record<string, number>>;
  oldest_duration: number;
  journal_directory: string;
  rescan_interval: number;
  check_data_interval: number;
  initial_tail: boolean;
  hostname: string;
  parser_type: '' | 'token' | 'regexp';
  delimiter: string;
  delimiter_location: 'start' | 'end';
}

/** The Type of the messages built from log lines (Heka's LogstreamerInput). */
export const LOGFILE_TYPE = 'logfile';
