/**
 * The self-report against Heka 0.10's capture (spec/golden/dashboard/data/heka_report.json): a
 * pipeline built from the golden's dashboard.toml, as close as hekad's plugins allow, reads the
 * same access.log; its report must have the golden's categories, record names, field names,
 * representations and key order, and the golden's values where they are deterministic. Every
 * difference is listed below with its reason, so a field that goes missing or appears unannounced
 * fails the test.
 *
 * Substitutions: the nginx_access Lua decoder is not built in yet, so CombinedLogDecoder is a user
 * JS SandboxDecoder producing the same `nginx.access` messages; DashboardOutput does not exist yet,
 * so a stand-in output of that type name (no plugin fields, as Heka's) reads the report through
 * ctx.currentReport() on its ticker, as the dashboard will.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, validateSections } from '../../src/config/index.js';
import { Logger } from '../../src/log/logger.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { defineOptions, definePlugin, type OutputContext, type PluginDefinition, type ReportRecord } from '../../src/plugin-api/index.js';
import { registry } from '../../src/plugins/index.js';
import { reportJson } from '../../src/telemetry/report.js';
import { goldenPath } from '../harness/fake-output-context.js';

type JsonRecord = Record<string, unknown> & { Name: string };
type JsonReport = Record<string, JsonRecord[]>;

/** Heka records hekad does not have, with the reason. */
const MISSING_RECORDS: Record<string, string> = {
  'globals/inputRecycleChan': 'no pack pool: messages are allocated and reference counted',
  'globals/injectRecycleChan': 'no pack pool: messages are allocated and reference counted',
};

/** Heka fields hekad leaves out rather than report a made-up value, per category (or category/name). */
const NOT_MEASURED: Record<string, Record<string, string>> = {
  'globals/Router': {
    InChanCapacity: 'the router has no inbound channel: inputs route synchronously',
    InChanLength: 'the router has no inbound channel: inputs route synchronously',
  },
  decoders: {
    InChanCapacity: 'decoding is synchronous in the input (Heka synchronous_decode): no decoder channel',
    InChanLength: 'decoding is synchronous in the input (Heka synchronous_decode): no decoder channel',
    MaxInstructions: 'instruction_limit is a time budget; nothing counts instructions',
    MaxOutput: 'a user sandbox worker does not report its largest output',
    ProcessMessageAvgDuration: 'decode timing is not sampled yet (the decode path is being rewritten, issue 8 item 4)',
    ProcessMessageSamples: 'decode timing is not sampled yet (the decode path is being rewritten, issue 8 item 4)',
  },
  filters: {
    MatchChanCapacity: 'matching is synchronous in the router: no match channel',
    MatchChanLength: 'matching is synchronous in the router: no match channel',
    LeakCount: 'no pack pool, so no pack can idle unnoticed (unacknowledged messages show as InFlight)',
    MaxInstructions: 'instruction_limit is a time budget; nothing counts instructions',
    Memory: "http_status and stat_graph are built-ins running on the daemon's heap: their share is not measurable",
    MaxMemory: "http_status and stat_graph are built-ins running on the daemon's heap: their share is not measurable",
  },
  outputs: {
    MatchChanCapacity: 'matching is synchronous in the router: no match channel',
    MatchChanLength: 'matching is synchronous in the router: no match channel',
    LeakCount: 'no pack pool, so no pack can idle unnoticed (unacknowledged messages show as InFlight)',
  },
};

/** hekad's fields beyond Heka's, per category (or category/name): the only extras allowed. */
const EXTENSIONS: Record<string, string[]> = {
  inputs: ['DeliveredMessageCount', 'ProcessMessageFailures'],
  'inputs/nginx_access_logs': ['records', 'bytes', 'truncated', 'dropped', 'errors'],
  'inputs/StatsdInput': [
    'PacketsReceived', 'MetricsReceived', 'BadLines', 'BadValues', 'TruncatedPackets', 'UndeliveredStats',
    'KernelDrops', 'ReceiveBufferBytes', 'TcpConnections',
  ],
  'inputs/StatAccumInput': ['Flushes', 'NumStats', 'PendingCounters', 'PendingTimers', 'PendingGauges', 'PendingSets', 'HeldFlushes'],
  outputs: ['ProcessMessageCount', 'ProcessMessageFailures', 'InFlight', 'RetryCount', 'HeldBytes', 'RejectedCount', 'BatchCount', 'BatchAvgRecords'],
};

const ACCESS_DECODER = `// The Getting-Started log_format, enough of nginx_access.lua for this log: the status field.
var re = /^(\\S+) - (\\S+) \\[([^\\]]+)\\] "([^"]*)" (\\d+) (\\d+) "([^"]*)" "([^"]*)"$/;
function process_message() {
  var m = re.exec(String(read_message('Payload')).replace(/\\n$/, ''));
  if (m === null) return [-1, 'no match'];
  inject_message({ Type: 'nginx.access', Fields: { remote_addr: m[1], request: m[4], status: Number(m[5]), body_bytes_sent: Number(m[6]) } });
  return 0;
}
`;

function standInDashboard(seen: ReportRecord[][]): PluginDefinition {
  return definePlugin({
    kind: 'output',
    type: 'DashboardOutput',
    summary: 'Test stand-in: reads the current report on each tick.',
    options: defineOptions({ address: { type: 'string', default: ':4352', doc: 'unused' } }),
    defaultMatcher: "Type == 'heka.all-report' || Type == 'heka.sandbox-terminated' || Type == 'heka.sandbox-output'",
    create: () => ({
      process: () => undefined,
      onTick: (_now: number, ctx: OutputContext) => void seen.push(ctx.currentReport()),
    }),
  });
}

const key = (cat: string, name: string) => `${cat}/${name}`;
const lookup = <T>(table: Record<string, T>, cat: string, name: string): T[] =>
  [table[cat], table[key(cat, name)]].filter((x): x is T => x !== undefined);

test("the report has heka_report.json's structure and deterministic values", async () => {
  const golden = JSON.parse(readFileSync(goldenPath('dashboard/data/heka_report.json'), 'utf8')) as JsonReport;
  const dir = mkdtempSync(join(tmpdir(), 'report-golden-'));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  mkdirSync(join(dir, 'share'));
  copyFileSync(goldenPath('dashboard/input/access.log'), join(logDir, 'access.log'));
  writeFileSync(join(dir, 'share', 'nginx_access.js'), ACCESS_DECODER);
  // dashboard.toml with its placeholders filled, the decoder swapped and port 0 for statsd.
  writeFileSync(
    join(dir, 'hekad.toml'),
    readFileSync(goldenPath('dashboard/dashboard.toml'), 'utf8')
      .replaceAll('${BASE_DIR}', join(dir, 'base'))
      .replaceAll('${SHARE_DIR}', join(dir, 'share'))
      .replaceAll('${LOG_DIR}', logDir)
      .replace('filename = "lua_decoders/nginx_access.lua"', 'filename = "nginx_access.js"')
      .replace('address = "127.0.0.1:48401"', 'address = "127.0.0.1:0"'),
  );
  const seen: ReportRecord[][] = [];
  const defs = new Map(registry);
  defs.set('DashboardOutput', standInDashboard(seen));
  const cfg = validateSections(loadConfig(join(dir, 'hekad.toml'), defs), []);
  assert.deepEqual(cfg.errors.map(String), []);
  const logs: string[] = [];
  const { pipeline, issues } = Pipeline.build(cfg, { log: new Logger({ out: (l) => logs.push(l), err: (l) => logs.push(l) }, 0) });
  assert.deepEqual(issues, []);
  const p = pipeline!;
  p.start();
  const count = (cat: string, name: string, field: string) =>
    p.collectReport().find((r) => r.category === cat && r.name === name)?.fields.find((f) => f.name === field)?.value;
  const deadline = Date.now() + 20_000;
  while (
    !(count('filters', 'HttpStatus', 'ProcessMessageCount') === 8 &&
      count('filters', 'HttpStatusAnomaly', 'ProcessMessageCount') === 8 &&
      seen.length > 0) &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const report = JSON.parse(reportJson(p.collectReport())) as JsonReport;
  const ours = reportJson(p.collectReport());
  await p.stop();
  assert.ok(seen.length > 0, 'the stand-in DashboardOutput never saw a report through ctx.currentReport()');
  assert.deepEqual(seen[0]!.map((r) => r.category + '/' + r.name), p.collectReport().map((r) => r.category + '/' + r.name));

  // Categories: the golden's (no encoders configured, so none), in byte order.
  assert.deepEqual(Object.keys(report), Object.keys(golden));

  for (const [cat, records] of Object.entries(golden)) {
    const names = records.map((r) => r.Name).filter((n) => MISSING_RECORDS[key(cat, n)] === undefined);
    assert.deepEqual(report[cat]!.map((r) => r.Name).sort(), names.sort(), `record names in ${cat}`);
    for (const g of records) {
      if (MISSING_RECORDS[key(cat, g.Name)] !== undefined) continue;
      const o = report[cat]!.find((r) => r.Name === g.Name)!;
      const skipped = Object.assign({}, ...lookup(NOT_MEASURED, cat, g.Name)) as Record<string, string>;
      const allowed = new Set(lookup(EXTENSIONS, cat, g.Name).flat());
      const expectedKeys = Object.keys(g).filter((k) => skipped[k] === undefined);
      const common = Object.keys(o).filter((k) => k in g);
      // Same fields, in the golden's key order (Go's byte-order map encoding).
      assert.deepEqual(common, expectedKeys, `fields of ${cat}/${g.Name}`);
      const extra = Object.keys(o).filter((k) => !(k in g) && !allowed.has(k));
      assert.deepEqual(extra, [], `undeclared extra fields in ${cat}/${g.Name}`);
      for (const k of common) {
        if (k === 'Name') continue;
        const gv = g[k] as { representation: string; value: unknown };
        const ov = o[k] as { representation: string; value: unknown };
        assert.equal(ov.representation, gv.representation, `representation of ${cat}/${g.Name} ${k}`);
        assert.equal(typeof ov.value, typeof gv.value, `value type of ${cat}/${g.Name} ${k}`);
      }
    }
  }

  const v = (cat: string, name: string, field: string) => (report[cat]!.find((r) => r.Name === name)![field] as { value: unknown }).value;
  // Deterministic values, as in the golden.
  assert.equal(v('inputs', 'nginx_access_logs', 'nginx_access_logs-bytes'), 773);
  assert.equal(v('inputs', 'nginx_access_logs', 'nginx_access_logs-filename'), join(logDir, 'access.log'));
  assert.equal(v('decoders', 'nginx_access_logs-CombinedLogDecoder-1', 'ProcessMessageCount'), 8);
  for (const name of ['HttpStatus', 'HttpStatusAnomaly']) assert.equal(v('filters', name, 'ProcessMessageCount'), 8);
  for (const [cat, records] of Object.entries(report)) {
    for (const r of records) {
      if ('ProcessMessageFailures' in r) assert.equal(v(cat, r.Name, 'ProcessMessageFailures'), 0, `${cat}/${r.Name} failures`);
      if ('InChanLength' in r) assert.equal(v(cat, r.Name, 'InChanLength'), 0, `${cat}/${r.Name} InChanLength`);
    }
  }
  // A deliberate difference in value: hekad's queues hold plugin_chansize (30) slots of 64 messages.
  for (const cat of ['filters', 'outputs']) {
    for (const r of report[cat]!) assert.equal(v(cat, r.Name, 'InChanCapacity'), 30 * 64);
  }
  // The payload layout: one line of JSON, categories sorted, as the golden file.
  assert.match(ours, /^\{"decoders":\[\{"MaxMemory":/);
  assert.ok(!ours.includes('\n'));
  assert.equal(logs.filter((l) => / error: /.test(l)).length, 0, logs.join(''));
});
