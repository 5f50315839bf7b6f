/**
 * The Getting-Started guide's http_status and stat_graph SandboxFilter sections, copied unchanged
 * from getting_started.rst, in a real hekad: statsd counters through StatsdInput +
 * StatAccumInput feed stat_graph; a user JS SandboxDecoder turns access-log lines into
 * `nginx.access` messages with a `status` field for http_status. A FileOutput with a
 * PayloadEncoder captures the heka.sandbox-output payloads, which must be cbuf text in Heka's
 * format (spec/sandbox.md §4.3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';

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

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

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

function checkFormat(c: Cbuf, nowS: number): void {
  const h = c.header;
  // exact key order, no spaces
  const cols = h.column_info.map((x) => `{"name":"${x.name}","unit":"${x.unit}","aggregation":"${x.aggregation}"}`).join(',');
  assert.equal(c.headerText, `{"time":${h.time},"rows":${h.rows},"columns":${h.columns},"seconds_per_row":${h.seconds_per_row},"column_info":[${cols}]}`);
  assert.equal(c.rows.length, h.rows, 'one line per row');
  for (const r of c.rows) {
    assert.equal(r.length, h.columns, `row ${r.join('\\t')}`);
    for (const v of r) assert.match(v, /^(nan|inf|-inf|-?\d+(\.\d{1,8})?)$/);
  }
  // time = the oldest row: cur - spr x (rows - 1)
  const cur = h.time + h.seconds_per_row * (h.rows - 1);
  assert.ok(Math.abs(cur - nowS) <= 10, `current row ${cur} vs now ${nowS}`);
}

test("the guide's http_status and stat_graph run unchanged and emit cbuf text in Heka's format", async () => {
  const dir = tempDir('sbx-guide-');
  mkdirSync(join(dir, 'share/js_decoders'), { recursive: true });
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'share/js_decoders/access.js'), ACCESS_DECODER);
  writeFileSync(join(dir, 'logs/access.log'), '');
  const port = await freeUdpPort();
  writeFileSync(
    join(dir, 'hekad.toml'),
    `[hekad]
base_dir = "${dir}/base"
share_dir = "${dir}/share"

[StatsdInput]
address = "127.0.0.1:${port}"

[StatAccumInput]
ticker_interval = 1
emit_in_fields = true

${GUIDE_STAT_GRAPH}
${GUIDE_HTTP_STATUS}
[access_logs]
type = "LogstreamerInput"
log_directory = "${dir}/logs"
file_match = 'access\\.log'
check_data_interval = "20ms"
decoder = "access_decoder"

[access_decoder]
type = "SandboxDecoder"
filename = "js_decoders/access.js"

[graphs]
type = "FileOutput"
message_matcher = "Type == 'heka.sandbox-output'"
path = "${dir}/graphs.txt"
encoder = "graph_payload"
flush_interval = 50

[graph_payload]
type = "PayloadEncoder"
append_newlines = false
`,
  );
  const h = new HekadProcess(['-config', join(dir, 'hekad.toml')]);
  const sock = createSocket('udp4');
  try {
    await h.waitFor((p) => p.stdout.includes('Input started: access_logs') || p.stderr.includes('Input started: access_logs'), 10_000, 'start');
    const statuses = [200, 200, 200, 404, 503, 301, 200, 102, 200, 404];
    appendFileSync(join(dir, 'logs/access.log'), statuses.map((s, i) => `${s} /p${i}\n`).join(''));
    const send = (m: string): Promise<void> => new Promise((r) => sock.send(m, port, '127.0.0.1', () => r()));
    const deadline = Date.now() + 15_000;
    let http: Cbuf | undefined;
    let stats: Cbuf | undefined;
    while (Date.now() < deadline && (http === undefined || stats === undefined)) {
      await send('000000:5|c\n000001:2|c\n000002:1|c');
      await new Promise((r) => setTimeout(r, 250));
      const f = join(dir, 'graphs.txt');
      if (!existsSync(f)) continue;
      // The newest payloads hold everything counted so far.
      const all = parseCbufs(readFileSync(f, 'utf8')).reverse();
      http = all.filter((c) => c.header.column_info[0]?.name === 'HTTP_100').find((c) => c.rows.some((r) => r[1] !== 'nan' && Number(r[1]) > 0));
      stats = all.filter((c) => c.header.column_info[0]?.name === 'counter_0').find((c) => c.rows.some((r) => Number(r[0]) > 0));
    }
    assert.ok(http, `no http_status cbuf with data:\n${h.stdout.slice(-2000)}${h.stderr.slice(-2000)}`);
    assert.ok(stats, `no stat_graph cbuf with data:\n${h.stdout.slice(-2000)}${h.stderr.slice(-2000)}`);
    const nowS = Math.floor(Date.now() / 1000);

    checkFormat(http, nowS);
    assert.deepEqual([http.header.rows, http.header.columns, http.header.seconds_per_row], [1800, 6, 1]);
    assert.deepEqual(http.header.column_info.map((c) => [c.name, c.unit, c.aggregation]), [
      ['HTTP_100', 'count', 'sum'], ['HTTP_200', 'count', 'sum'], ['HTTP_300', 'count', 'sum'],
      ['HTTP_400', 'count', 'sum'], ['HTTP_500', 'count', 'sum'], ['HTTP_UNKNOWN', 'count', 'sum'],
    ]);
    // Every decoded line is counted in its status class (the lines may straddle two rows).
    const sums = [0, 0, 0, 0, 0, 0];
    for (const r of http.rows) r.forEach((v, i) => (sums[i]! += v === 'nan' ? 0 : Number(v)));
    assert.deepEqual(sums, [1, 5, 1, 2, 1, 0]);

    checkFormat(stats, nowS);
    // num_rows / secs_per_row are not stat_graph options (the guide's pitfall): defaults 300 x 1 apply.
    assert.deepEqual([stats.header.rows, stats.header.columns, stats.header.seconds_per_row], [300, 3, 1]);
    assert.deepEqual(stats.header.column_info.map((c) => c.name), ['counter_0', 'counter_1', 'counter_2']);
    const row = stats.rows.find((r) => Number(r[0]) > 0)!;
    assert.equal(Number(row[0]) / 5, Number(row[1]) / 2, `counters keep their ratio: ${row.join(' ')}`);
    assert.equal(Number(row[0]) / 5, Number(row[2]));
    // The guide's typo'd keys are warned about, not fatal.
    assert.match(h.stdout + h.stderr, /does not read config key 'perservation_version'.*Did you mean 'preservation_version'/);
  } finally {
    sock.close();
    await h.stop();
  }
  // preserve_data = true: both filters saved their state at shutdown.
  assert.ok(existsSync(join(dir, 'base/sandbox_preservation/http_status.data')));
  assert.ok(existsSync(join(dir, 'base/sandbox_preservation/stat_graph.data')));
});
