import { test } from 'node:test';
import { goldenPath } from '../../../../test/harness/fake-output-context.js';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from "../../../core/clock.js";
import { FieldType, Message } from '../../../core/message.js';
import { Logger } from '../../../log/logger.js';
import type { FilterContext, GlobalConfig } from '../../../plugin-api/index.js';
import { preservationPath } from '../../../sandbox/preservation.js';
import { SandboxFilter } from './sandbox-filter.js';
import definition from './index.js';
import { filterConfig, globals, harness } from '../../../../test/harness/sandbox-filter-harness.js';

const GOLDEN = goldenPath('');

function nginx(tsNs: number, status: number): Message {
  const m = new Message();
  m.type = 'nginx.access';
  m.timestamp = tsNs;
  m.addField('status', FieldType.DOUBLE, status);
  return m;
}

const LOG_TIMES: Array<[string, number]> = [
  ['16:46:41', 200], ['16:46:42', 304], ['16:47:10', 200], ['16:47:41', 404], ['16:48:19', 502], ['16:48:25', 200], ['16:49:50', 999], ['16:49:51', 100],
];
const at = (hms: string) => Date.parse(`2014-02-10T${hms}Z`) * 1e6;

test('http_status reproduces the Heka 0.10 dashboard capture', () => {
  const h = harness('HttpStatus', globals());
  const f = new SandboxFilter(filterConfig({ filename: 'lua_filters/http_status.lua', config: { sec_per_row: 60, rows: 4 } }), h.ctx);
  for (const [t, s] of LOG_TIMES) f.process(nginx(at(t), s), h.ctx);
  f.onTick(h.clock.nowNs(), h.ctx);
  assert.equal(h.injected.length, 1);
  const m = h.injected[0]!;
  assert.equal(m.type, 'heka.sandbox-output');
  assert.equal(m.logger, 'HttpStatus');
  assert.equal(m.getFieldValue('payload_type'), 'cbuf');
  assert.equal(m.getField('payload_type')?.representation, 'file-extension');
  assert.equal(m.getFieldValue('payload_name'), 'HTTP Status');
  assert.equal(m.payload, readFileSync(join(GOLDEN, 'dashboard/data/HttpStatus.HTTPStatus.cbuf'), 'utf8'));
});

test('http_status with anomaly_config: annotation line first, buffer follows the clock', () => {
  const h = harness('HttpStatusAnomaly', globals());
  const f = new SandboxFilter(
    filterConfig({ filename: 'lua_filters/http_status.lua', config: { sec_per_row: 1, rows: 5, anomaly_config: 'roc("HTTP Status", 2, 1, 0, 1.5, true, false)' } }),
    h.ctx,
  );
  for (const [t, s] of LOG_TIMES) f.process(nginx(at(t), s), h.ctx);
  f.onTick(h.clock.nowNs(), h.ctx);
  const newest = Math.trunc(h.clock.nowNs() / 1e9);
  const want = readFileSync(join(GOLDEN, 'dashboard/data/HttpStatusAnomaly.HTTPStatus.cbuf'), 'utf8').replace('${T_OLDEST}', String(newest - 4));
  assert.equal(h.injected[0]!.payload, want);
});

test('http_status live alert: unexpected data, alert + annotation (golden alert_smtp/live)', () => {
  const h = harness('http_status', globals(), new VirtualClock(1_700_000_000_000));
  const f = new SandboxFilter(
    filterConfig({ filename: 'lua_filters/http_status.lua', config: { sec_per_row: 1, rows: 12, anomaly_config: 'roc("HTTP Status", 2, 3, 0, 1.5, false, true)' } }),
    h.ctx,
  );
  const T = h.clock.nowNs();
  for (let s = 0; s < 6; s++) {
    if (s === 1) for (let i = 0; i < 5; i++) f.process(nginx(h.clock.nowNs(), 200), h.ctx);
    f.onTick(h.clock.nowNs(), h.ctx);
    h.clock.advance(1000);
  }
  const alerts = h.injected.filter((m) => m.getFieldValue('payload_type') === 'alert');
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.payload, readFileSync(join(GOLDEN, 'alert_smtp/live/out/data/http_status..alert'), 'utf8'));
  assert.equal(alerts[0]!.getFieldValue('payload_name'), '');
  const last = h.injected.filter((m) => m.getFieldValue('payload_type') === 'cbuf').at(-1)!;
  assert.match(last.payload!, /^\{"annotations":\[\{"text":"unexpected data","x":\d+,"shortText":"A","col":2\}\]\}\n\{"time":/);
  assert.ok(T > 0);
});

function statMessage(tsSec: number, hits: number, temp: number, lat: number): Message {
  const m = new Message();
  m.type = 'heka.statmetric';
  m.addField('timestamp', FieldType.INTEGER, tsSec);
  m.addField('stats.counters.hits.count', FieldType.INTEGER, hits);
  m.addField('stats.gauges.temp', FieldType.DOUBLE, temp);
  m.addField('stats.timers.lat.mean_90', FieldType.DOUBLE, lat);
  return m;
}

const STAT_CONFIG = {
  title: 'Stat Graph/Test', rows: 5, sec_per_row: 1, stat_unit: 'count',
  stats: 'stats.counters.hits.count stats.gauges.temp stats.timers.lat.mean_90', stat_labels: 'hits temp.gauge lat-p90',
};

test('stat_graph reproduces the golden outputs (values and number formats)', () => {
  for (const [file, rows] of [
    ['dashboard/data/StatGraph.StatGraphTest.cbuf', [[3, 21.5, 15], [4, 21.5, 1]]],
    ['dashboard/number-formats/StatGraph.StatGraphTest.cbuf', [[3000000000, 2147483648.5, 1 / 3], [1, 123.456789015, -0.5], [-7, 1e-9, 0.1]]],
  ] as const) {
    const h = harness('StatGraph', globals());
    const f = new SandboxFilter(filterConfig({ filename: 'lua_filters/stat_graph.lua', config: STAT_CONFIG }), h.ctx);
    const t0 = 1_700_000_000;
    rows.forEach((r, i) => f.process(statMessage(t0 + i, r[0], r[1], r[2]), h.ctx));
    f.onTick(h.clock.nowNs(), h.ctx);
    const newest = t0 + rows.length - 1;
    assert.equal(h.injected[0]!.getFieldValue('payload_name'), 'Stat Graph/Test');
    assert.equal(h.injected[0]!.payload, readFileSync(join(GOLDEN, file), 'utf8').replace('${T_OLDEST}', String(newest - 4)), file);
  }
});

test('-check: config errors and unknown Lua files are refused clearly', () => {
  const g = globals();
  const v = (over: Record<string, unknown>) => definition.validate!(filterConfig(over), g);
  assert.deepEqual(v({ filename: 'lua_filters/http_status.lua' }), []);
  assert.match(v({ filename: 'lua_filters/stat_graph.lua', config: { stats: 'a b', stat_labels: 'a' } })[0]!.reason, /same number of items/);
  assert.match(v({ filename: 'lua_filters/stat_graph.lua', config: {} })[0]!.reason, /stats configuration must be specified/);
  assert.match(v({ filename: 'lua_filters/mine.lua' })[0]!.reason, /Lua sandboxes are not run/);
  assert.match(v({ filename: 'lua_filters/http_status.lua', config: { anomaly_config: 'roc(' } })[0]!.reason, /could not parse the anomaly_config/);
  assert.match(v({ filename: 'x.txt' })[0]!.reason, /unsupported sandbox file type/);
  assert.match(v({ filename: '/nonexistent/x.js' })[0]!.reason, /cannot load/);
});

test('preserve_data: history continues after restart; a new preservation_version starts fresh; corrupt files are ignored', async () => {
  const base = mkdtempSync(join(tmpdir(), 'sbx-pres-'));
  const g = globals({ base_dir: base });
  const cfg = (version: number) => filterConfig({ filename: 'lua_filters/http_status.lua', preserve_data: true, config: { sec_per_row: 60, rows: 4, preservation_version: version } });
  const run = async (version: number, statuses: Array<[string, number]>) => {
    const h = harness('http status', g);
    const f = new SandboxFilter(cfg(version), h.ctx);
    for (const [t, s] of statuses) f.process(nginx(at(t), s), h.ctx);
    f.onTick(h.clock.nowNs(), h.ctx);
    await f.stop(h.ctx);
    return { payload: h.injected.at(-1)!.payload!, logs: h.logs };
  };
  await run(0, LOG_TIMES.slice(0, 4));
  const file = preservationPath(base, 'http status');
  assert.ok(file.endsWith('sandbox_preservation/http_status.data'));
  const second = await run(0, LOG_TIMES.slice(4));
  assert.equal(second.payload, readFileSync(join(GOLDEN, 'dashboard/data/HttpStatus.HTTPStatus.cbuf'), 'utf8'));
  const bumped = await run(1, LOG_TIMES.slice(7));
  assert.match(bumped.payload, /\nnan\tnan\tnan\tnan\tnan\tnan\n/);
  assert.equal(bumped.payload.split('\n').filter((l) => l.includes('1')).length, 2); // header + the one new row
  assert.ok(bumped.logs.some((l) => /discarded/.test(l)));
  writeFileSync(file, '{"hekad_preservation":1,"vers');
  const corrupt = await run(1, []);
  assert.ok(corrupt.logs.some((l) => /unreadable and was ignored/.test(l)));
  mkdirSync(join(base, 'x'), { recursive: true });
});
