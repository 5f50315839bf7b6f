import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { definePlugin, defineOptions } from '../plugin-api/index.js';
import type { PluginDefinition } from '../plugin-api/index.js';
import { ConfigError, ConfigErrors } from '../errors/errors.js';
import type { ConfigIssue } from '../errors/errors.js';
import { assertValidConfig, loadConfig, validateSections } from './index.js';
import type { LoadedConfig, PluginSection } from './index.js';

// ---------------------------------------------------------------------------------------------
// A small fake registry: just enough definitions to exercise every rule.

const notHere = (): never => {
  throw new Error('not instantiated in config tests');
};

const defs: PluginDefinition[] = [
  definePlugin({
    kind: 'input',
    type: 'LogstreamerInput',
    summary: 'Tails log files.',
    defaultSplitter: 'TokenSplitter',
    options: defineOptions({
      log_directory: { type: 'string', doc: 'Root directory.', default: '/var/log' },
      file_match: { type: 'string', doc: 'Regex of file names.', required: true },
    }),
    create: notHere,
  }),
  definePlugin({
    kind: 'input',
    type: 'StatAccumInput',
    summary: 'Aggregates stats.',
    options: defineOptions({
      ticker_interval: { type: 'uint', doc: 'Flush interval in seconds.', default: 10 },
      emit_in_fields: { type: 'bool', doc: 'Emit stats as fields.', default: false },
      percent_threshold: { type: 'int', doc: 'Percentile.', default: 90 },
    }),
    create: notHere,
  }),
  definePlugin({
    kind: 'encoder',
    type: 'PayloadEncoder',
    summary: 'Writes the payload.',
    options: defineOptions({ append_newlines: { type: 'bool', doc: 'Append a newline.', default: true } }),
    create: notHere,
  }),
  definePlugin({
    kind: 'output',
    type: 'LogOutput',
    summary: 'Logs messages.',
    encoderRequired: true,
    options: {},
    create: notHere,
  }),
  definePlugin({
    kind: 'output',
    type: 'TcpOutput',
    summary: 'Sends over TCP.',
    options: defineOptions({
      address: { type: 'string', doc: 'Server address.', required: true },
      use_buffering: { type: 'bool', doc: 'Buffer on disk (on by default).', default: true },
      buffering: {
        type: 'table',
        doc: 'Queue settings.',
        default: { max_file_size: 128 * 1024 * 1024, cursor_update_count: 50 },
      },
    }),
    create: notHere,
  }),
  definePlugin({
    kind: 'filter',
    type: 'SandboxFilter',
    summary: 'Runs a script.',
    defaultCanExit: true,
    options: defineOptions({
      filename: { type: 'string', doc: 'Script file.', required: true },
      preserve_data: { type: 'bool', doc: 'Keep state.', default: false },
      config: {
        type: 'table',
        doc: 'Passed to the script.',
        knownKeys: ['sec_per_row', 'rows', 'preservation_version'],
      },
    }),
    validate: (c) => (String(c['filename']).endsWith('.lua') ? [] : [{ option: 'filename', reason: 'must name a .lua file' }]),
    create: notHere,
  }),
  definePlugin({
    kind: 'filter',
    type: 'CounterFilter',
    summary: 'Counts.',
    defaultMatcher: "Type != 'heka.counter-output'",
    options: {},
    create: notHere,
  }),
  definePlugin({
    kind: 'filter',
    type: 'RateFilter',
    summary: 'Exercises option types.',
    options: defineOptions({
      threshold: { type: 'float', doc: 'A float.', default: 1.5 },
      count: { type: 'int', doc: 'An int.', default: 3 },
      mode: { type: 'string', doc: 'An enum.', default: 'avg', enum: ['avg', 'max'] },
      window: { type: 'duration', doc: 'A duration.', default: '1m' },
      tags: { type: 'string[]', doc: 'Strings.', default: [] },
      ports: { type: 'int[]', doc: 'Ints.' },
      even: { type: 'int', doc: 'Checked.', check: (v) => ((v as number) % 2 === 0 ? undefined : 'must be even') },
      tls: {
        type: 'table',
        doc: 'Nested schema.',
        schema: defineOptions({
          cert_file: { type: 'string', doc: 'Certificate.', required: true },
          insecure: { type: 'bool', doc: 'Skip verification.', default: false },
        }),
      },
      extra: { type: 'any', doc: 'Anything.' },
    }),
    validate: (c) => {
      if (c['count'] === 13) throw new Error('boom');
      return [];
    },
    create: notHere,
  }),
  definePlugin({
    kind: 'splitter',
    type: 'TokenSplitter',
    summary: 'Splits on a delimiter.',
    options: defineOptions({ delimiter: { type: 'string', doc: 'Delimiter.', default: '\n' } }),
    create: notHere,
  }),
  definePlugin({
    kind: 'splitter',
    type: 'NullSplitter',
    summary: 'No splitting.',
    commonDefaults: { min_buffer_size: 65536 },
    options: {},
    create: notHere,
  }),
  definePlugin({ kind: 'decoder', type: 'ProtobufDecoder', summary: 'Protobuf.', options: {}, create: notHere }),
  // Registry bugs the loader must report rather than crash on:
  definePlugin({ kind: 'input', type: 'Gadget', summary: 'No kind suffix.', options: {}, create: notHere }),
  definePlugin({ kind: 'output', type: 'WeirdFilter', summary: 'Suffix disagrees.', options: {}, create: notHere }),
];
const registry: ReadonlyMap<string, PluginDefinition> = new Map(defs.map((d) => [d.type, d]));

// ---------------------------------------------------------------------------------------------
// Helpers

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'heka-config-test-'));
let n = 0;
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** Writes files into a fresh directory; returns its path. */
function writeDir(files: Record<string, string>): string {
  const dir = path.join(tmpRoot, `d${n++}`);
  fs.mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function load(toml: string, env: NodeJS.ProcessEnv = {}): { cfg: LoadedConfig; file: string } {
  const dir = writeDir({ 'c.toml': toml });
  const file = path.join(dir, 'c.toml');
  return { cfg: loadConfig(file, registry, { env }), file };
}

function section(cfg: LoadedConfig, name: string): PluginSection {
  const s = cfg.sections.find((x) => x.name === name);
  assert.ok(s, `section ${name} present`);
  return s;
}

function only(issues: ConfigIssue[]): ConfigIssue {
  assert.equal(issues.length, 1, issues.map(String).join('\n'));
  return issues[0]!;
}

function expectError(
  toml: string,
  want: { code: string; section: string; option: string; reason: string | RegExp },
): ConfigIssue {
  const { cfg, file } = load(toml);
  const e = only(cfg.errors);
  assert.equal(e.code, want.code, String(e));
  assert.equal(e.file, file);
  assert.equal(e.section, want.section);
  assert.equal(e.option, want.option);
  if (typeof want.reason === 'string') assert.equal(e.reason, want.reason);
  else assert.match(e.reason, want.reason);
  return e;
}

const SANITY = `[LogstreamerInput]
log_directory = "/var/log"
file_match = 'auth\\.log'

[PayloadEncoder]
append_newlines = false

[LogOutput]
message_matcher = "TRUE"
encoder = "PayloadEncoder"
`;

// ---------------------------------------------------------------------------------------------
// The Getting Started guide's sanity check

test("guide sanity config loads: sections, common options, plugin config, default instances", () => {
  const { cfg, file } = load(SANITY);
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(cfg.warnings, []);
  assert.deepEqual(cfg.files, [file]);
  assert.deepEqual(
    cfg.sections.map((s) => [s.name, s.type, s.kind, s.file === file ? 'user' : s.file]),
    [
      ['LogstreamerInput', 'LogstreamerInput', 'input', 'user'],
      ['PayloadEncoder', 'PayloadEncoder', 'encoder', 'user'],
      ['LogOutput', 'LogOutput', 'output', 'user'],
      ['ProtobufDecoder', 'ProtobufDecoder', 'decoder', '<default>'],
      ['TokenSplitter', 'TokenSplitter', 'splitter', '<default>'],
      ['NullSplitter', 'NullSplitter', 'splitter', '<default>'],
    ],
  );
  const input = section(cfg, 'LogstreamerInput');
  assert.deepEqual(input.config, { log_directory: '/var/log', file_match: 'auth\\.log' });
  assert.equal(input.common.splitter, 'TokenSplitter');
  assert.equal(input.common.decoder, undefined);
  assert.equal(input.common.can_exit, false);
  assert.equal(input.def, registry.get('LogstreamerInput'));
  assert.deepEqual(section(cfg, 'PayloadEncoder').config, { append_newlines: false });
  const out = section(cfg, 'LogOutput');
  assert.equal(out.common.message_matcher, 'TRUE');
  assert.equal(out.common.encoder, 'PayloadEncoder');
  assert.equal(out.common.use_framing, undefined);
  assert.equal(out.common.use_buffering, false);
  assert.deepEqual(out.config, {});
  assert.equal(section(cfg, 'TokenSplitter').config['delimiter'], '\n');
  assert.doesNotThrow(() => assertValidConfig(cfg));
});

test('guide sanity config with a typo: exact message with did-you-mean', () => {
  const dir = writeDir({ 'sanity.toml': SANITY.replace('encoder = ', 'encodr = ') });
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const cfg = loadConfig('sanity.toml', registry, { env: {} });
    // Two problems, both reported: the unknown key and, as a consequence, no encoder.
    assert.deepEqual(cfg.errors.map(String), [
      "sanity.toml: [LogOutput] encodr: unknown option (did you mean 'encoder'?)",
      "sanity.toml: [LogOutput] encoder: 'LogOutput' requires an encoder (LogOutput cannot write without one)",
    ]);
    assert.equal(cfg.errors[0]!.code, 'HEKA_ERR_CONFIG_UNKNOWN_KEY');
    assert.throws(() => assertValidConfig(cfg), (e: unknown) => e instanceof ConfigErrors && e.errors.length === 2);
  } finally {
    process.chdir(cwd);
  }
});

// ---------------------------------------------------------------------------------------------
// Names, types, categories

test('keys match case-insensitively and come back in the schema spelling', () => {
  const { cfg } = load(`[in]
Type = "LogstreamerInput"
LOG_DIRECTORY = "/x"
File_Match = 'a'
Can_Exit = true
[out]
TYPE = "LogOutput"
Message_Matcher = "TRUE"
ENCODER = "PayloadEncoder"
[PayloadEncoder]
`);
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(section(cfg, 'in').config, { log_directory: '/x', file_match: 'a' });
  assert.equal(section(cfg, 'in').common.can_exit, true);
  assert.equal(section(cfg, 'out').common.message_matcher, 'TRUE');
  assert.equal(section(cfg, 'out').common.encoder, 'PayloadEncoder');
});

test('the same option twice in different case is an error', () => {
  expectError(`[LogstreamerInput]\nfile_match = 'a'\nFile_Match = 'b'\n`, {
    code: 'HEKA_ERR_CONFIG_DUPLICATE_KEY',
    section: 'LogstreamerInput',
    option: 'File_Match',
    reason: "option given twice (also as 'file_match'); option names ignore case",
  });
});

test('a section without type uses its name; lenient names like [tcp:5565] work', () => {
  const { cfg } = load(`[tcp:5565]\ntype = "TcpOutput"\naddress = "h:5565"\nmessage_matcher = "TRUE"\n[a-b]\ntype = "LogstreamerInput"\nfile_match = "x"\n  [a-b.retries]\n  delay = "1s"\n`);
  assert.deepEqual(cfg.errors, []);
  assert.equal(section(cfg, 'tcp:5565').type, 'TcpOutput');
  assert.equal(section(cfg, 'a-b').common.retries.delay, 1000);
});

test('unknown type -> error with did-you-mean over registry names', () => {
  expectError(`[logs]\ntype = "LogstreamInput"\n`, {
    code: 'HEKA_ERR_CONFIG_UNKNOWN_TYPE',
    section: 'logs',
    option: 'type',
    reason: "No registered plugin type: LogstreamInput (did you mean 'LogstreamerInput'?)",
  });
  expectError(`[Nothing]\n`, {
    code: 'HEKA_ERR_CONFIG_UNKNOWN_TYPE',
    section: 'Nothing',
    option: '',
    reason: 'No registered plugin type: Nothing',
  });
  expectError(`[x]\ntype = 5\n`, {
    code: 'HEKA_ERR_CONFIG_TYPE_MISMATCH',
    section: 'x',
    option: 'type',
    reason: 'expected a string naming the plugin type',
  });
});

test('category comes from the type suffix and must match the definition kind', () => {
  expectError(`[g]\ntype = "Gadget"\n`, {
    code: 'HEKA_ERR_CONFIG_BAD_CATEGORY',
    section: 'g',
    option: 'type',
    reason: 'Unrecognized plugin category: Gadget',
  });
  expectError(`[WeirdFilter]\n`, {
    code: 'HEKA_ERR_CONFIG_BAD_CATEGORY',
    section: 'WeirdFilter',
    option: '',
    reason: 'type WeirdFilter names a filter but the registered plugin is a output',
  });
});

// ---------------------------------------------------------------------------------------------
// Option values

const RATE = `[rate]\ntype = "RateFilter"\nmessage_matcher = "TRUE"\n`;

test('option types convert: ints, floats, durations, arrays, nested schema tables, any', () => {
  const { cfg } = load(
    RATE +
      `threshold = 2.5\ncount = -7\nmode = "max"\nwindow = "1m30s"\ntags = ["a", "b"]\nports = [80, 443]\neven = 4\nextra = { a = 1, b = [2] }\n[rate.TLS]\nCert_File = "/c.pem"\n`,
  );
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(section(cfg, 'rate').config, {
    threshold: 2.5,
    count: -7,
    mode: 'max',
    window: 90000,
    tags: ['a', 'b'],
    ports: [80, 443],
    even: 4,
    tls: { cert_file: '/c.pem', insecure: false },
    extra: { a: 1, b: [2] },
  });
});

test('defaults apply (durations in ms) and absent optional options stay absent', () => {
  const { cfg } = load(RATE);
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(section(cfg, 'rate').config, { threshold: 1.5, count: 3, mode: 'avg', window: 60000, tags: [] });
});

test('a plugin validate() that throws is reported as an error of that section, not a crash', () => {
  expectError(RATE + 'count = 13\n', {
    code: 'HEKA_ERR_CONFIG_INVALID_VALUE',
    section: 'rate',
    option: '',
    reason: 'validation failed: boom',
  });
});

test('wrong value types name file, section, option and reason', () => {
  const cases: Array<[string, string, string, string]> = [
    ['count = "5"', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'count', 'expected an integer, got string "5"'],
    ['count = 5.0', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'count', 'expected an integer, got float 5.0 (integers are written without a decimal point)'],
    [
      'threshold = 5',
      'HEKA_ERR_CONFIG_TYPE_MISMATCH',
      'threshold',
      'expected a float, got integer 5 (Heka rejects an integer literal for a float option; write 5.0)',
    ],
    ['mode = true', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'mode', 'expected a string, got boolean true'],
    ['tags = "a"', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'tags', 'expected an array of strings, got string "a"'],
    ['tags = ["a", 1]', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'tags', 'expected an array of strings, got array (element 1 is integer 1)'],
    ['ports = [1, "2"]', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'ports', 'expected an array of integers, got array (element 1 is string "2")'],
    ['tls = "x"', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'tls', 'expected a table, got string "x"'],
    ['window = 60', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'window', 'expected a duration string (e.g. "250ms", "1m30s"), got integer 60'],
    ['window = "60"', 'HEKA_ERR_CONFIG_BAD_DURATION', 'window', 'missing unit in duration "60"'],
    ['window = "1d"', 'HEKA_ERR_CONFIG_BAD_DURATION', 'window', 'unknown unit "d" in duration "1d"'],
    ['window = "-1s"', 'HEKA_ERR_CONFIG_BAD_DURATION', 'window', 'duration "-1s" must not be negative'],
    ['mode = "mean"', 'HEKA_ERR_CONFIG_ENUM', 'mode', '"mean" is not one of "avg", "max"'],
    ['mode = "mx"', 'HEKA_ERR_CONFIG_ENUM', 'mode', `"mx" is not one of "avg", "max" (did you mean 'max'?)`],
    ['even = 3', 'HEKA_ERR_CONFIG_INVALID_VALUE', 'even', 'must be even'],
    ['count = 9007199254740993', 'HEKA_ERR_CONFIG_OUT_OF_RANGE', 'count', 'integer 9007199254740993 is too large (limit 9007199254740991)'],
    ['ticker_interval = -1', 'HEKA_ERR_CONFIG_OUT_OF_RANGE', 'ticker_interval', 'expected a non-negative integer, got -1'],
    ['can_exit = "yes"', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'can_exit', 'expected a boolean, got string "yes"'],
  ];
  for (const [line, code, option, reason] of cases) {
    expectError(RATE + line + '\n', { code, section: 'rate', option, reason });
  }
});

test('required options: missing -> error, also inside a schema sub-table shown as [name.sub]', () => {
  expectError(`[LogstreamerInput]\nlog_directory = "/x"\n`, {
    code: 'HEKA_ERR_CONFIG_REQUIRED',
    section: 'LogstreamerInput',
    option: 'file_match',
    reason: 'missing required option',
  });
  const { cfg } = load(RATE + '[rate.tls]\ninsecure = true\n');
  const e = only(cfg.errors);
  assert.ok(e instanceof ConfigError);
  assert.equal(e.toString(), `${cfg.files[0]}: [rate.tls] cert_file: missing required option`);
  // both problems of one sub-table are reported
  const two = load(RATE + '[rate.tls]\ninsecure = true\ncert = "x"\n').cfg;
  assert.deepEqual(two.errors.map((x) => [x.code, x.section, x.option]), [
    ['HEKA_ERR_CONFIG_UNKNOWN_KEY', 'rate.tls', 'cert'],
    ['HEKA_ERR_CONFIG_REQUIRED', 'rate.tls', 'cert_file'],
  ]);
});

test('unknown option -> error with did-you-mean; type and common keys are always allowed', () => {
  expectError(`[LogstreamerInput]\nfile_match = "a"\nlog_dir = "/x"\n`, {
    code: 'HEKA_ERR_CONFIG_UNKNOWN_KEY',
    section: 'LogstreamerInput',
    option: 'log_dir',
    reason: 'unknown option',
  });
  expectError(`[LogstreamerInput]\nfile_match = "a"\nlog_directry = "/x"\n`, {
    code: 'HEKA_ERR_CONFIG_UNKNOWN_KEY',
    section: 'LogstreamerInput',
    option: 'log_directry',
    reason: "unknown option (did you mean 'log_directory'?)",
  });
  // Output-only common options are not common for inputs.
  expectError(`[LogstreamerInput]\nfile_match = "a"\nencoder = "PayloadEncoder"\n`, {
    code: 'HEKA_ERR_CONFIG_UNKNOWN_KEY',
    section: 'LogstreamerInput',
    option: 'encoder',
    reason: /^unknown option/,
  });
  const { cfg } = load(`[LogstreamerInput]
type = "LogstreamerInput"
file_match = "a"
decoder = "ProtobufDecoder"
splitter = "NullSplitter"
synchronous_decode = true
send_decode_failures = true
log_decode_failures = true
can_exit = true
ticker_interval = 5
[LogstreamerInput.retries]
max_retries = 3
`);
  assert.deepEqual(cfg.errors, []);
  const c = section(cfg, 'LogstreamerInput').common;
  assert.equal(c.decoder, 'ProtobufDecoder');
  assert.equal(c.splitter, 'NullSplitter');
  assert.equal(c.synchronous_decode, true);
  assert.equal(c.send_decode_failures, true);
  assert.equal(c.log_decode_failures, true);
  assert.equal(c.ticker_interval, 5);
  assert.deepEqual(c.retries, { delay: 250, max_delay: 30000, max_jitter: 500, max_retries: 3 });
  assert.deepEqual(section(cfg, 'LogstreamerInput').config, { log_directory: '/var/log', file_match: 'a' });
});

test('ticker_interval is accepted on every kind', () => {
  const { cfg } = load(SANITY + `[PayloadEncoder2]\ntype = "PayloadEncoder"\nticker_interval = 3\n[ProtobufDecoder]\nticker_interval = 1\n`);
  assert.deepEqual(cfg.errors, []);
  assert.equal(section(cfg, 'PayloadEncoder2').common.ticker_interval, 3);
});

test('free-form table: anything accepted, keys outside knownKeys warn with did-you-mean', () => {
  const { cfg, file } = load(`[http_status]
type = "SandboxFilter"
filename = "lua_filters/http_status.lua"
ticker_interval = 1
preserve_data = true
message_matcher = "Type == 'nginx.access'"

	[http_status.config]
	sec_per_row = 1
	rows = 1800
	perservation_version = 0
	Nested = { x = 1.5 }
`);
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(cfg.warnings.map(String), [
    `${file}: [http_status.config] perservation_version: unknown key, ignored by the plugin (did you mean 'preservation_version'?)`,
    `${file}: [http_status.config] Nested: unknown key, ignored by the plugin`,
  ]);
  assert.equal(cfg.warnings[0]!.code, 'HEKAWRN002');
  const s = section(cfg, 'http_status');
  assert.deepEqual(s.config['config'], { sec_per_row: 1, rows: 1800, perservation_version: 0, Nested: { x: 1.5 } });
  assert.equal(s.common.ticker_interval, 1);
  assert.equal(s.common.can_exit, true); // SandboxFilter's defaultCanExit
});

test("plugin validate() reports cross-option problems, only when the options themselves are valid", () => {
  expectError(`[f]\ntype = "SandboxFilter"\nfilename = "x.js"\nmessage_matcher = "TRUE"\n`, {
    code: 'HEKA_ERR_CONFIG_INVALID_VALUE',
    section: 'f',
    option: 'filename',
    reason: 'must name a .lua file',
  });
  // with an option error, validate() is not called (only the option error is reported)
  expectError(`[f]\ntype = "SandboxFilter"\nfilename = "x.js"\nmessage_matcher = "TRUE"\npreserve_data = 1\n`, {
    code: 'HEKA_ERR_CONFIG_TYPE_MISMATCH',
    section: 'f',
    option: 'preserve_data',
    reason: 'expected a boolean, got integer 1',
  });
});

// ---------------------------------------------------------------------------------------------
// Common options

test("filters/outputs need a message_matcher unless the type has a default", () => {
  expectError(`[LogOutput]\nencoder = "PayloadEncoder"\n[PayloadEncoder]\n`, {
    code: 'HEKA_ERR_CONFIG_MISSING_MATCHER',
    section: 'LogOutput',
    option: 'message_matcher',
    reason: "'LogOutput' missing message matcher",
  });
  expectError(`[c]\ntype = "CounterFilter"\nmessage_matcher = ""\n`, {
    code: 'HEKA_ERR_CONFIG_MISSING_MATCHER',
    section: 'c',
    option: 'message_matcher',
    reason: "'c' missing message matcher",
  });
  const { cfg } = load(`[CounterFilter]\n`);
  assert.deepEqual(cfg.errors, []);
  assert.equal(section(cfg, 'CounterFilter').common.message_matcher, "Type != 'heka.counter-output'");
  assert.equal(section(cfg, 'CounterFilter').common.can_exit, false);
});

test('plugin-declared defaults of common options; buffering defaults only when the table is absent', () => {
  const { cfg } = load(`[StatAccumInput]
[tcp]
type = "TcpOutput"
address = "h:1"
message_matcher = "TRUE"
[tcp2]
type = "TcpOutput"
address = "h:2"
message_matcher = "TRUE"
use_buffering = false
  [tcp2.buffering]
  max_buffer_size = 1000000000
  full_action = "block"
[tcp3]
type = "TcpOutput"
address = "h:3"
message_matcher = "TRUE"
  [tcp3.buffering]
  max_file_size = 0
  cursor_update_count = 0
`);
  assert.deepEqual(cfg.errors, []);
  const stat = section(cfg, 'StatAccumInput');
  assert.equal(stat.common.ticker_interval, 10);
  assert.equal(stat.config['ticker_interval'], 10);
  assert.equal(stat.common.splitter, 'NullSplitter');

  const tcp = section(cfg, 'tcp');
  assert.equal(tcp.common.use_buffering, true);
  assert.equal(tcp.common.buffering_set, false);
  assert.deepEqual(tcp.common.buffering, {
    max_file_size: 128 * 1024 * 1024,
    max_buffer_size: 0,
    full_action: 'shutdown',
    cursor_update_count: 50,
  });
  const tcp2 = section(cfg, 'tcp2');
  assert.equal(tcp2.common.use_buffering, false);
  assert.equal(tcp2.common.buffering_set, true);
  assert.deepEqual(tcp2.common.buffering, {
    max_file_size: 512 * 1024 * 1024,
    max_buffer_size: 1000000000,
    full_action: 'block',
    cursor_update_count: 1,
  });
  const tcp3 = section(cfg, 'tcp3');
  assert.equal(tcp3.common.buffering.max_file_size, 512 * 1024 * 1024); // 0 -> default
  assert.equal(tcp3.common.buffering.cursor_update_count, 1); // 0 -> 1
  assert.equal(tcp3.common.retries.max_delay, 30000);
});

test('buffering and retries sub-tables are validated', () => {
  const base = `[tcp]\ntype = "TcpOutput"\naddress = "h:1"\nmessage_matcher = "TRUE"\n`;
  expectError(base + `[tcp.buffering]\nfull_action = "panic"\n`, {
    code: 'HEKA_ERR_CONFIG_ENUM',
    section: 'tcp.buffering',
    option: 'full_action',
    reason: '"panic" is not one of "shutdown", "drop", "block"',
  });
  expectError(base + `[tcp.buffering]\nmax_file_size = 100\n`, {
    code: 'HEKA_ERR_CONFIG_INVALID_VALUE',
    section: 'tcp.buffering',
    option: 'max_file_size',
    reason: 'must be at least the maximum record size (65794 bytes with max_message_size 65536)',
  });
  expectError(base + `[tcp.retries]\ndelay = "soon"\n`, {
    code: 'HEKA_ERR_CONFIG_BAD_DURATION',
    section: 'tcp.retries',
    option: 'delay',
    reason: 'invalid duration "soon"',
  });
  expectError(base + `[tcp.retries]\nmax_retries = -2\n`, {
    code: 'HEKA_ERR_CONFIG_INVALID_VALUE',
    section: 'tcp.retries',
    option: 'max_retries',
    reason: 'must be -1 (forever) or greater',
  });
  expectError(base + `[tcp.retries]\nmax_retrys = 2\n`, {
    code: 'HEKA_ERR_CONFIG_UNKNOWN_KEY',
    section: 'tcp.retries',
    option: 'max_retrys',
    reason: "unknown option (did you mean 'max_retries'?)",
  });
  const { cfg } = load(base + `[tcp.retries]\ndelay = "1s"\nmax_delay = "1m"\nmax_jitter = "0"\nmax_retries = 0\n`);
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(section(cfg, 'tcp').common.retries, { delay: 1000, max_delay: 60000, max_jitter: 0, max_retries: 0 });
});

test('splitter common options: plugin defaults and min_buffer_size limit', () => {
  const { cfg } = load(`[NullSplitter]\n[tok]\ntype = "TokenSplitter"\nkeep_truncated = true\nuse_message_bytes = true\ndeliver_incomplete_final = true\nmin_buffer_size = 1024\n[LogstreamerInput]\nfile_match = "x"\n`);
  assert.deepEqual(cfg.errors, []);
  assert.equal(section(cfg, 'NullSplitter').common.min_buffer_size, 65536);
  assert.equal(section(cfg, 'NullSplitter').common.use_message_bytes, false);
  const tok = section(cfg, 'tok').common;
  assert.deepEqual(
    [tok.keep_truncated, tok.use_message_bytes, tok.deliver_incomplete_final, tok.min_buffer_size],
    [true, true, true, 1024],
  );
  assert.equal(section(cfg, 'TokenSplitter').common.min_buffer_size, 8192); // default instance
  // a built-in default above the record limit is clamped; a configured one is an error
  const small = load(`[hekad]\nmax_message_size = 2000\n[LogstreamerInput]\nfile_match = "x"\n`).cfg;
  assert.deepEqual(small.errors, []);
  assert.equal(section(small, 'NullSplitter').common.min_buffer_size, 2258);
  expectError(`[hekad]\nmax_message_size = 2000\n[NullSplitter]\nmin_buffer_size = 65536\n[LogstreamerInput]\nfile_match = "x"\n`, {
    code: 'HEKA_ERR_CONFIG_INVALID_VALUE',
    section: 'NullSplitter',
    option: 'min_buffer_size',
    reason: 'must not exceed the maximum record size (2258 bytes with max_message_size 2000)',
  });
});

test('decoder / splitter / encoder references must name a section of that kind', () => {
  expectError(`[LogstreamerInput]\nfile_match = "x"\ndecoder = "ProtobufDecodr"\n`, {
    code: 'HEKA_ERR_CONFIG_UNKNOWN_REFERENCE',
    section: 'LogstreamerInput',
    option: 'decoder',
    reason: "no decoder section named 'ProtobufDecodr' (did you mean 'ProtobufDecoder'?)",
  });
  expectError(`[LogstreamerInput]\nfile_match = "x"\nsplitter = "PayloadEncoder"\n[PayloadEncoder]\n`, {
    code: 'HEKA_ERR_CONFIG_UNKNOWN_REFERENCE',
    section: 'LogstreamerInput',
    option: 'splitter',
    reason: "'PayloadEncoder' is a encoder, not a splitter",
  });
  expectError(SANITY.replace('encoder = "PayloadEncoder"', 'encoder = "payload"'), {
    code: 'HEKA_ERR_CONFIG_UNKNOWN_REFERENCE',
    section: 'LogOutput',
    option: 'encoder',
    reason: "no encoder section named 'payload'",
  });
});

test('a user section replaces a default instance of the same name', () => {
  const { cfg, file } = load(`[TokenSplitter]\ndelimiter = "\\t"\n[LogstreamerInput]\nfile_match = "x"\n`);
  assert.deepEqual(cfg.errors, []);
  const toks = cfg.sections.filter((s) => s.name === 'TokenSplitter');
  assert.equal(toks.length, 1);
  assert.equal(toks[0]!.file, file);
  assert.equal(toks[0]!.config['delimiter'], '\t');
});

// ---------------------------------------------------------------------------------------------
// Files, directories, merging

test('directory: *.toml sorted by name, non-recursive; later section replaces earlier with a warning', () => {
  const dir = writeDir({
    '10-b.toml': `[hekad]\nmaxprocs = 4\npoolsize = 5\n[out]\ntype = "LogOutput"\nmessage_matcher = "FALSE"\nencoder = "PayloadEncoder"\n[PayloadEncoder]\n`,
    '20-a.toml': `[hekad]\nmaxprocs = 2\n[LogstreamerInput]\nfile_match = "x"\n[out]\ntype = "LogOutput"\nmessage_matcher = "TRUE"\nencoder = "PayloadEncoder"\n`,
    '05-c.toml.bak': `this is not toml`,
    'README': `nor is this`,
    '00-upper.TOML': `nor this [`,
  });
  fs.mkdirSync(path.join(dir, 'sub.toml.d'));
  fs.writeFileSync(path.join(dir, 'sub.toml.d', 'x.toml'), 'bad [');
  const cfg = loadConfig(dir, registry, { env: {} });
  const a = path.join(dir, '20-a.toml');
  const b = path.join(dir, '10-b.toml');
  assert.deepEqual(cfg.files, [b, a]);
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(cfg.warnings.map(String), [`${a}: [out] replaces the section of the same name in ${b}`]);
  assert.equal(cfg.warnings[0]!.code, 'HEKAWRN001');
  assert.equal(section(cfg, 'out').common.message_matcher, 'TRUE');
  assert.equal(section(cfg, 'out').file, a);
  assert.deepEqual(
    cfg.sections.filter((s) => s.file !== '<default>').map((s) => s.name),
    ['PayloadEncoder', 'LogstreamerInput', 'out'],
  );
  // [hekad]: the last file wins as a whole; poolsize from the earlier file is not kept
  assert.equal(cfg.globals.maxprocs, 2);
  assert.equal(cfg.globals.poolsize, 100);
});

test('a replaced section is not validated; its replacement is', () => {
  const dir = writeDir({
    'a.toml': `[LogstreamerInput]\nbogus = 1\n`,
    'b.toml': `[LogstreamerInput]\nfile_match = "x"\n`,
  });
  const cfg = loadConfig(dir, registry, { env: {} });
  assert.deepEqual(cfg.errors, []);
  assert.equal(cfg.warnings.length, 1);
});

test('a parse error in one file is reported with its position; other files are still checked', () => {
  const dir = writeDir({
    'a.toml': `[LogstreamerInput]\nfile_match = "x"\nlog_dir = "y"\n`,
    'b.toml': `[ok]\ntype = "PayloadEncoder"\n\nbroken = \n`,
  });
  const cfg = loadConfig(dir, registry, { env: {} });
  assert.equal(cfg.errors.length, 2, cfg.errors.map(String).join('\n'));
  const parse = cfg.errors.find((e) => e.code === 'HEKA_ERR_CONFIG_TOML_PARSE')!;
  assert.equal(parse.file, path.join(dir, 'b.toml'));
  assert.equal(parse.line, 4);
  assert.match(String(parse), new RegExp(`^${path.join(dir, 'b.toml').replace(/[.]/g, '\\.')}:4:\\d+: Error decoding config file: `));
  assert.ok(cfg.errors.some((e) => e.code === 'HEKA_ERR_CONFIG_UNKNOWN_KEY' && e.option === 'log_dir'));
});

test('Empty configuration: no plugin section (only [hekad], empty file, empty directory)', () => {
  for (const text of [`[hekad]\nmaxprocs = 2\n`, ``, `# only a comment\n`]) {
    const { cfg, file } = load(text);
    const e = only(cfg.errors);
    assert.equal(e.code, 'HEKA_ERR_CONFIG_EMPTY');
    assert.equal(e.toString(), `${file}: Empty configuration, exiting.`);
  }
  const dir = writeDir({ 'notes.txt': '[LogstreamerInput]\n' });
  assert.equal(only(loadConfig(dir, registry).errors).reason, 'Empty configuration, exiting.');
});

test('unreadable paths and top-level keys that are not tables', () => {
  const missing = path.join(tmpRoot, 'no-such.toml');
  const e = only(loadConfig(missing, registry).errors);
  assert.equal(e.code, 'HEKA_ERR_CONFIG_READ');
  assert.equal(e.toString(), `${missing}: Error reading config: no such file or directory`);

  const { cfg, file } = load(`stray = 1\n[LogstreamerInput]\nfile_match = "x"\n`);
  const t = only(cfg.errors);
  assert.equal(t.code, 'HEKA_ERR_CONFIG_NOT_A_TABLE');
  assert.equal(t.toString(), `${file}: stray: top-level key is not a [section] (got a value)`);
});

test('%ENV[NAME] is expanded per file before parsing; its errors carry the file', () => {
  const { cfg } = load(`[LogstreamerInput]\nlog_directory = "%ENV[LOGS]"\nfile_match = '%ENV[MATCH]'\n`, {
    LOGS: '/srv/logs',
    MATCH: 'auth\\.log',
  });
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(section(cfg, 'LogstreamerInput').config, { log_directory: '/srv/logs', file_match: 'auth\\.log' });

  const bad = load(`[LogstreamerInput]\nfile_match = "x"\nlog_directory = "%ENV[LOGS"\n`);
  const e = only(bad.cfg.errors);
  assert.equal(e.code, 'HEKA_ERR_CONFIG_ENV_MISSING_DELIMITER');
  assert.equal(e.toString(), `${bad.file}:3:18: Missing closing delimiter`);
});

test('all errors are reported, across sections', () => {
  const { cfg } = load(`[hekad]
sample_denominator = 0
[LogstreamerInput]
log_directory = 1
[LogOutput]
[x]
type = "Nope"
`);
  assert.deepEqual(
    cfg.errors.map((e) => [e.code, e.section, e.option]),
    [
      ['HEKA_ERR_CONFIG_GLOBAL', 'hekad', 'sample_denominator'],
      ['HEKA_ERR_CONFIG_TYPE_MISMATCH', 'LogstreamerInput', 'log_directory'],
      ['HEKA_ERR_CONFIG_REQUIRED', 'LogstreamerInput', 'file_match'],
      ['HEKA_ERR_CONFIG_MISSING_MATCHER', 'LogOutput', 'message_matcher'],
      ['HEKA_ERR_CONFIG_ENCODER_REQUIRED', 'LogOutput', 'encoder'],
      ['HEKA_ERR_CONFIG_UNKNOWN_TYPE', 'x', 'type'],
    ],
  );
});

// ---------------------------------------------------------------------------------------------
// [hekad]

const ONE_PLUGIN = `[LogstreamerInput]\nfile_match = "x"\n`;

test('[hekad] defaults', () => {
  const { cfg } = load(ONE_PLUGIN);
  assert.deepEqual(cfg.globals, {
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
  });
});

test('[hekad] values, case-insensitive keys, max_message_loops 0 -> 1, max_message_size 0 -> 65536', () => {
  const { cfg } = load(`[hekad]
MaxProcs = 4
poolsize = 10
plugin_chansize = 5
max_message_loops = 0
max_process_inject = 2
max_process_duration = 500000
max_timer_inject = 20
max_pack_idle = "1m30s"
base_dir = "/tmp/heka"
share_dir = "/opt/heka"
sample_denominator = 10
pid_file = "/tmp/heka.pid"
hostname = "box"
max_message_size = 0
log_flags = 0
full_buffer_max_retries = 3
${ONE_PLUGIN}`);
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(cfg.globals, {
    maxprocs: 4,
    poolsize: 10,
    plugin_chansize: 5,
    max_message_loops: 1,
    max_process_inject: 2,
    max_process_duration: 500000,
    max_timer_inject: 20,
    max_pack_idle: 90000,
    base_dir: '/tmp/heka',
    share_dir: '/opt/heka',
    sample_denominator: 10,
    pid_file: '/tmp/heka.pid',
    hostname: 'box',
    max_message_size: 65536,
    log_flags: 0,
    full_buffer_max_retries: 3,
  });
});

test('[hekad] checks', () => {
  const cases: Array<[string, string, string, string]> = [
    ['max_message_size = 1024', 'HEKA_ERR_CONFIG_GLOBAL', 'max_message_size', "Error: 'max_message_size' setting must be greater than 1024."],
    ['max_message_size = 5000000000', 'HEKA_ERR_CONFIG_INVALID_VALUE', 'max_message_size', 'must be at most 4294967295'],
    ['sample_denominator = 0', 'HEKA_ERR_CONFIG_GLOBAL', 'sample_denominator', "'sample_denominator' value must be greater than 0."],
    ['sample_denominator = -5', 'HEKA_ERR_CONFIG_GLOBAL', 'sample_denominator', "'sample_denominator' value must be greater than 0."],
    ['max_pack_idle = "2 minutes"', 'HEKA_ERR_CONFIG_GLOBAL', 'max_pack_idle', "Can't parse `max_pack_idle` time duration: 2 minutes"],
    ['max_pack_idle = 120', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'max_pack_idle', 'expected a string, got integer 120'],
    ['poolsize = 0', 'HEKA_ERR_CONFIG_INVALID_VALUE', 'poolsize', "'poolsize' value must be greater than 0."],
    ['plugin_chansize = 0', 'HEKA_ERR_CONFIG_INVALID_VALUE', 'plugin_chansize', "'plugin_chansize' value must be greater than 0."],
    ['max_message_loops = -1', 'HEKA_ERR_CONFIG_OUT_OF_RANGE', 'max_message_loops', 'expected a non-negative integer, got -1'],
    ['base_dir = 5', 'HEKA_ERR_CONFIG_TYPE_MISMATCH', 'base_dir', 'expected a string, got integer 5'],
    ['pool_size = 5', 'HEKA_ERR_CONFIG_UNKNOWN_KEY', 'pool_size', "unknown option (did you mean 'poolsize'?)"],
  ];
  for (const [line, code, option, reason] of cases) {
    const { cfg, file } = load(`[hekad]\n${line}\n${ONE_PLUGIN}`);
    const e = only(cfg.errors);
    assert.deepEqual([e.code, e.file, e.section, e.option, e.reason], [code, file, 'hekad', option, reason], line);
  }
  const ok = load(`[hekad]\nmax_message_size = 1025\n${ONE_PLUGIN}`).cfg;
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.globals.max_message_size, 1025);
});

test('[hekad] cpuprof/memprof are accepted with a warning', () => {
  const { cfg, file } = load(`[hekad]\ncpuprof = "/tmp/cpu"\nmemprof = ""\n${ONE_PLUGIN}`);
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(cfg.warnings.map(String), [
    `${file}: [hekad] cpuprof: Go profiling is not available in this port; option ignored`,
  ]);
});

// ---------------------------------------------------------------------------------------------
// Hook for checks outside src/config

test('validateSections appends caller checks as errors with file and section', () => {
  const { cfg, file } = load(SANITY);
  validateSections(cfg, [
    (s) => (s.common.message_matcher === 'TRUE' ? [{ option: 'message_matcher', reason: 'matcher rejected' }] : []),
    (s) => {
      if (s.name === 'PayloadEncoder') throw new Error('exploded');
    },
  ]);
  assert.deepEqual(cfg.errors.map(String), [
    `${file}: [PayloadEncoder] exploded`,
    `${file}: [LogOutput] message_matcher: matcher rejected`,
  ]);
});
