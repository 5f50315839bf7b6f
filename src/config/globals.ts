/**
 * The [hekad] section (spec/config.md §4): strict keys, defaults, and every check Heka makes.
 */
import os from 'node:os';
import type { GlobalConfig } from '../plugin-api/index.js';
import { defineOptions } from '../plugin-api/options.js';
import { parseGoDuration } from './duration.js';
import { IssueSink, validateTable } from './validate.js';
import type { RawTable } from './validate.js';

const UINT32_MAX = 4294967295;
const uint32 = (v: unknown): string | undefined => ((v as number) > UINT32_MAX ? `must be at most ${UINT32_MAX}` : undefined);

/** Schema of [hekad]; `hostname` has no static default (os.hostname() at load time). */
export const HEKAD_SCHEMA = defineOptions({
  maxprocs: { type: 'int', doc: 'Go GOMAXPROCS; accepted and ignored by this port.', default: 1 },
  poolsize: {
    type: 'int',
    doc: 'Number of packs in each of the two pools (input and inject).',
    default: 100,
    // Heka does not check this; with 0 packs nothing can ever flow, so fail fast instead of hanging.
    check: (v) => ((v as number) <= 0 ? "'poolsize' value must be greater than 0." : undefined),
  },
  plugin_chansize: {
    type: 'int',
    doc: 'Capacity of every plugin input queue and of the router queue.',
    default: 30,
    // Go can run with unbuffered channels; our queues cannot, so 0 is refused here.
    check: (v) => ((v as number) <= 0 ? "'plugin_chansize' value must be greater than 0." : undefined),
  },
  cpuprof: { type: 'string', doc: 'Go CPU profile file; accepted and ignored by this port.', default: '' },
  memprof: { type: 'string', doc: 'Go heap profile file; accepted and ignored by this port.', default: '' },
  max_message_loops: { type: 'uint', doc: 'Maximum re-injection depth of a message chain (0 = 1).', default: 4, check: uint32 },
  max_process_inject: { type: 'uint', doc: 'Messages a sandbox filter may inject per process_message call.', default: 1, check: uint32 },
  max_process_duration: {
    type: 'uint',
    doc: 'Nanoseconds; a dynamically loaded sandbox filter slower than this under backpressure is terminated.',
    default: 100000,
  },
  max_timer_inject: { type: 'uint', doc: 'Messages a sandbox filter may inject per timer_event call.', default: 10, check: uint32 },
  max_pack_idle: { type: 'string', doc: 'A pack not recycled for this long (Go duration) is reported as leaked.', default: '2m' },
  base_dir: { type: 'string', doc: 'Writable working directory (journals, sandbox state, queues).', default: '/var/cache/hekad' },
  share_dir: { type: 'string', doc: 'Read-only resources (Lua plugins and modules, dashboard files).', default: '/usr/share/heka' },
  sample_denominator: { type: 'int', doc: 'Sampling rate for timing statistics.', default: 1000 },
  pid_file: { type: 'string', doc: 'Write the process id here (and refuse to start if that process is alive).', default: '' },
  hostname: { type: 'string', doc: 'Hostname of messages hekad creates (default: the OS host name).' },
  max_message_size: { type: 'uint', doc: 'Maximum encoded message size in bytes (0 = 65536).', default: 65536, check: uint32 },
  log_flags: { type: 'int', doc: 'Go log prefix flags: 1 date, 2 time, 4 microseconds, 32 UTC; 0 = none.', default: 3 },
  full_buffer_max_retries: {
    type: 'uint',
    doc: 'Startup waits for a buffered plugin whose queue is at least 90% full.',
    default: 10,
    check: uint32,
  },
});

export function defaultGlobals(): GlobalConfig {
  return {
    maxprocs: 1,
    poolsize: 100,
    plugin_chansize: 30,
    max_message_loops: 4,
    max_process_inject: 1,
    max_process_duration: 100000,
    max_timer_inject: 10,
    max_pack_idle: 120000,
    base_dir: '/var/cache/hekad',
    share_dir: '/usr/share/heka',
    sample_denominator: 1000,
    pid_file: '',
    hostname: os.hostname(),
    max_message_size: 65536,
    log_flags: 3,
    full_buffer_max_retries: 10,
  };
}

/** 3 bytes of framing + 255 of header + the message: the largest record a splitter may hold. */
export function maxRecordSize(g: GlobalConfig): number {
  return 3 + 255 + g.max_message_size;
}

/**
 * Validates a [hekad] table (or none) and returns the globals with defaults applied. Problems go
 * to `sink` with section 'hekad'; a bad value falls back to its default so later checks can run.
 */
export function parseGlobals(raw: RawTable | undefined, sink: IssueSink): GlobalConfig {
  const g = defaultGlobals();
  if (raw === undefined) return g;
  const S = 'hekad';
  const v = validateTable(HEKAD_SCHEMA, raw, sink, S);

  for (const k of [
    'maxprocs',
    'poolsize',
    'plugin_chansize',
    'max_message_loops',
    'max_process_inject',
    'max_process_duration',
    'max_timer_inject',
    'sample_denominator',
    'max_message_size',
    'log_flags',
    'full_buffer_max_retries',
  ] as const) {
    if (typeof v[k] === 'number') g[k] = v[k] as number;
  }
  for (const k of ['base_dir', 'share_dir', 'pid_file'] as const) {
    if (typeof v[k] === 'string') g[k] = v[k] as string;
  }
  if (typeof v['hostname'] === 'string' && v['hostname'] !== '') g.hostname = v['hostname'] as string;

  if (g.max_message_loops === 0) g.max_message_loops = 1;

  if (typeof v['max_pack_idle'] === 'string') {
    const s = v['max_pack_idle'] as string;
    try {
      const ms = parseGoDuration(s);
      if (ms < 0) throw new Error('negative');
      g.max_pack_idle = ms;
    } catch {
      sink.error('HEKA_ERR_CONFIG_GLOBAL', S, 'max_pack_idle', `Can't parse \`max_pack_idle\` time duration: ${s}`);
    }
  }

  if (g.sample_denominator <= 0) {
    sink.error('HEKA_ERR_CONFIG_GLOBAL', S, 'sample_denominator', "'sample_denominator' value must be greater than 0.");
    g.sample_denominator = 1000;
  }

  if (g.max_message_size === 0) {
    g.max_message_size = 65536;
  } else if (g.max_message_size <= 1024) {
    sink.error('HEKA_ERR_CONFIG_GLOBAL', S, 'max_message_size', "Error: 'max_message_size' setting must be greater than 1024.");
    g.max_message_size = 65536;
  }

  for (const k of ['cpuprof', 'memprof'] as const) {
    if (typeof v[k] === 'string' && v[k] !== '') {
      sink.warn('HEKAWRN003', S, k, 'Go profiling is not available in this port; option ignored');
    }
  }
  return g;
}
