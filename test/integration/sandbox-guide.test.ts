/**
 * The Getting-Started guide's http_status and stat_graph SandboxFilter sections, copied unchanged
 * from getting_started.rst, in an in-memory pipeline on the virtual clock: statsd counters through
 * StatsdInput + StatAccumInput feed stat_graph; a user JS SandboxDecoder turns access-log lines
 * into `nginx.access` messages with a `status` field for http_status. The captured
 * heka.sandbox-output payloads must be cbuf text in Heka's format (spec/sandbox.md §4.3), with
 * every count in the row of its second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/hekad-process.js';
import { DEFAULT_START_MS, buildPipeline } from '../../src/pipeline/in-memory.js';

// ---- the guide's sections, verbatim (getting_started.rst) ----
const GUIDE_STAT_GRAPH = `	[stat_graph]
	type = "SandboxFilter"
	filename = "lua_filters/stat_graph.lua"
	ticker_interval = 1
	preserve_data = true
	message_matcher = "Type == 'heka.statmetric'"

		[stat_graph.config]
		num_rows = 300
		secs_per_row = 1
		stats = "stats.counters.000000.count stats.counters.000001.count stats.counters.000002.count"
		stat_labels = "counter_0 counter_1 counter_2"
		preservation_version = 0
`;
const GUIDE_HTTP_STATUS = `	[http_status]
	type = "SandboxFilter"
	filename = "lua_filters/http_status.lua"
	ticker_interval = 1
	preserve_data = true
	message_matcher = "Type == 'nginx.access'"

		[http_status.config]
		sec_per_row = 1
		rows = 1800
		perservation_version = 0
`;

const ACCESS_DECODER = `// "<status> <path>" -> an nginx.access message with a numeric status field.
function process_message() {
  var p = String(read_message('Payload')).trim().split(' ');
  var status = Number(p[0]);
  if (!(status >= 100)) return [-1, 'no status'];
  inject_message({ Type: 'nginx.access', Fields: { status: status, request: p[1] || '' } });
  return 0;
}
`;

interface Cbuf {
  header: { time: number; rows: number; columns: number; seconds_per_row: number; column_info: Array<{ name: string; unit: string; aggregation: string }> };
  headerText: string;
  rows: string[][];
}

/** Splits the captured file into cbuf payloads and checks each is Heka's text format. */
function parseCbufs(text: string): Cbuf[] {
  const out: Cbuf[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('{"time":')) continue;
    const headerText = lines[i]!;
    const header = JSON.parse(headerText) as Cbuf['header'];
    const rows = lines.slice(i + 1, i + 1 + header.rows).map((l) => l.split('\t'));
    out.push({ header, headerText, rows });
    i += header.rows;
  }
  return out;
}

/** Header format, one line per row, row values as Heka prints them. */
function checkFormat(c: Cbuf): void {
  const h = c.header;
  // exact key order, no spaces
  const cols = h.column_info.map((x) => `{"name":"${x.name}","unit":"${x.unit}","aggregation":"${x.aggregation}"}`).join(',');
  assert.equal(c.headerText, `{"time":${h.time},"rows":${h.rows},"columns":${h.columns},"seconds_per_row":${h.seconds_per_row},"column_info":[${cols}]}`);
  assert.equal(c.rows.length, h.rows, 'one line per row');
  for (const r of c.rows) {
    assert.equal(r.length, h.columns, `row ${r.join('\\t')}`);
    for (const v of r) assert.match(v, /^(nan|inf|-inf|-?\d+(\.\d{1,8})?)$/);
  }
}

/** The row of second `s` (the header's time is the oldest row's). */
function rowAt(c: Cbuf, s: number): string[] {
  const i = (s - c.header.time) / c.header.seconds_per_row;
  assert.ok(Number.isInteger(i) && i >= 0 && i < c.rows.length, `second ${s} is not in the buffer starting at ${c.header.time}`);
  return c.rows[i]!;
}

/** Every row but the listed ones is empty (nan). */
function onlyRows(c: Cbuf, keep: number[]): void {
  const kept = new Set(keep.map((s) => (s - c.header.time) / c.header.seconds_per_row));
  c.rows.forEach((r, i) => {
    if (!kept.has(i)) assert.ok(r.every((v) => v === 'nan'), `row ${i} (${c.header.time + i}) = ${r.join(' ')}`);
  });
}

test("the guide's http_status and stat_graph run unchanged and emit cbuf text in Heka's format", async () => {
  const dir = tempDir('sbx-guide-');
  mkdirSync(join(dir, 'share/js_decoders'), { recursive: true });
  writeFileSync(join(dir, 'share/js_decoders/access.js'), ACCESS_DECODER);
  const p = buildPipeline({
    toml: `[hekad]
base_dir = "${dir}/base"
share_dir = "${dir}/share"

[StatsdInput]
address = "127.0.0.1:8125"

[StatAccumInput]
ticker_interval = 1
emit_in_fields = true

${GUIDE_STAT_GRAPH}
${GUIDE_HTTP_STATUS}
[access_logs]
type = "LogstreamerInput"
log_directory = "${dir}/logs"
file_match = 'access\\.log'
decoder = "access_decoder"

[access_decoder]
type = "SandboxDecoder"
filename = "js_decoders/access.js"

[graphs]
type = "FileOutput"
message_matcher = "Type == 'heka.sandbox-output'"
path = "${dir}/graphs.txt"
encoder = "graph_payload"

[graph_payload]
type = "PayloadEncoder"
append_newlines = false
`,
  });
  const t0 = DEFAULT_START_MS / 1000;
  await p.start();
  const statuses = [200, 200, 200, 404, 503, 301, 200, 102, 200, 404];
  p.feed('access_logs', statuses.map((s, i) => `${s} /p${i}\n`).join(''));
  p.feed('StatsdInput', '000000:5|c\n000001:2|c\n000002:1|c');
  // StatAccumInput flushes at t0+1 s (its first tick); both filters tick every second.
  await p.advance(2_000);
  const graphs = parseCbufs(p.output('graphs').text());
  const last = (first: string): Cbuf => {
    const all = graphs.filter((c) => c.header.column_info[0]?.name === first);
    assert.ok(all.length > 0, `no cbuf with column ${first}`);
    return all.at(-1)!;
  };

  const http = last('HTTP_100');
  checkFormat(http);
  assert.deepEqual([http.header.rows, http.header.columns, http.header.seconds_per_row], [1800, 6, 1]);
  assert.deepEqual(http.header.column_info.map((c) => [c.name, c.unit, c.aggregation]), [
    ['HTTP_100', 'count', 'sum'], ['HTTP_200', 'count', 'sum'], ['HTTP_300', 'count', 'sum'],
    ['HTTP_400', 'count', 'sum'], ['HTTP_500', 'count', 'sum'], ['HTTP_UNKNOWN', 'count', 'sum'],
  ]);
  // Every line was decoded at t0: its status class counted in the row of t0, nothing elsewhere.
  assert.deepEqual(rowAt(http, t0), ['1', '5', '1', '2', '1', 'nan']);
  onlyRows(http, [t0]);

  const stats = last('counter_0');
  checkFormat(stats);
  // num_rows / secs_per_row are not stat_graph options (the guide's pitfall): defaults 300 x 1 apply.
  assert.deepEqual([stats.header.rows, stats.header.columns, stats.header.seconds_per_row], [300, 3, 1]);
  assert.deepEqual(stats.header.column_info.map((c) => c.name), ['counter_0', 'counter_1', 'counter_2']);
  // The flush at t0+1 s carries the counts 5, 2, 1, in the row of its timestamp.
  assert.deepEqual(rowAt(stats, t0 + 1), ['5', '2', '1']);
  onlyRows(stats, [t0 + 1]);
  // The guide's typo'd keys are warned about, not fatal.
  assert.match(p.logs.join('\n'), /does not read config key 'perservation_version'.*Did you mean 'preservation_version'/);
  assert.equal(await p.stop(), 0);
  // preserve_data = true: both filters saved their state at shutdown.
  assert.ok(existsSync(join(dir, 'base/sandbox_preservation/http_status.data')));
  assert.ok(existsSync(join(dir, 'base/sandbox_preservation/stat_graph.data')));
});
