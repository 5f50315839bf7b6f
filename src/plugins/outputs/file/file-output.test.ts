import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../../../core/clock.js';
import type { Encoder } from '../../../plugin-api/index.js';
import { decodeMessage } from '../../../core/protobuf.js';
import { findFrame, unframe } from '../../../core/framing.js';
import { applyDefaults } from '../../../config/validate.js';
import { fakeOutputContext, validateSample } from '../../../../test/harness/fake-output-context.js';
import { runOutput, type OutputHarness } from '../../../../test/harness/output-harness.js';
import { PayloadEncoder } from '../../encoders/payload/payload-encoder.js';
import { ProtobufEncoder } from '../../encoders/protobuf/protobuf-encoder.js';
import definition from './index.js';
import { fileOutputOptions, type FileOutputConfig } from './config.js';
import { FileOutput } from './file-output.js';

const newline = new PayloadEncoder({ append_newlines: true, prefix_ts: false, ts_from_message: true, ts_format: '' }, new VirtualClock());

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'heka-file-output-'));
}

function cfg(over: Partial<FileOutputConfig> & { path: string }): FileOutputConfig {
  return { ...(applyDefaults(fileOutputOptions) as unknown as FileOutputConfig), ...over };
}

/** FileOutput in a real output runner on a VirtualClock. */
function setup(
  over: Partial<FileOutputConfig> & { path: string },
  opts: { clock?: VirtualClock; encoder?: Encoder; useFraming?: boolean } = {},
): OutputHarness & { out: FileOutput; vclock: VirtualClock } {
  const vclock = opts.clock ?? new VirtualClock(1_000_000);
  const ctx = fakeOutputContext({ clock: vclock });
  const out = new FileOutput(cfg(over), ctx);
  const h = runOutput(out, { clock: vclock, encoder: opts.encoder ?? newline, useFraming: opts.useFraming, retries: { delay: 250, max_delay: 1000, max_jitter: 0 } });
  return Object.assign(h, { out, vclock });
}

/** Real file I/O settles on the event loop; poll (test-only) until `cond` holds. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  for (let waited = 0; !cond(); waited += 5) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const settle = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('defaults (flush_count 1, AND, interval 0): each record written and fsynced before its ack', async () => {
  const dir = tmp();
  const path = join(dir, 'sub', 'deeper', 'out.log');
  const h = setup({ path, flush_interval: 0 });
  const seen: string[] = [];
  const m = (p: string, seq: number) => {
    const x = h.msg(p, seq);
    x.ackTarget = { settle: () => seen.push(readFileSync(path, 'utf8')) }; // the record must already be in the file
    return x;
  };
  h.send(m('one', 0));
  await until(() => seen.length === 1, 'first ack');
  h.send(m('two', 1));
  await until(() => seen.length === 2, 'second ack');
  assert.deepEqual(seen, ['one\n', 'one\ntwo\n']);
  await h.stop();
  assert.equal(statSync(join(dir, 'sub')).mode & 0o777, 0o700);
  assert.equal(statSync(path).mode & 0o777, 0o644);
  rmSync(dir, { recursive: true });
});

test('AND: waits for flush_count and for the interval to pass', async () => {
  const dir = tmp();
  const path = join(dir, 'out.log');
  const h = setup({ path, flush_count: 3, flush_interval: 60_000 });
  for (const p of ['a', 'b', 'c']) h.send(p);
  await settle();
  h.vclock.advance(59_999);
  await settle();
  assert.equal(h.acked.length, 0, 'interval not yet elapsed');
  h.vclock.advance(1); // the flush_interval tick finds 3 records pending: both conditions hold
  await until(() => h.acked.length === 3, '3 acks');
  h.send('d');
  h.vclock.advance(60_000); // interval passed again, but only 1 of 3 records
  await settle();
  assert.equal(h.acked.length, 3, 'AND: the interval alone does not flush');
  assert.equal(readFileSync(path, 'utf8'), 'a\nb\nc\n');
  await h.stop();
  assert.equal(readFileSync(path, 'utf8'), 'a\nb\nc\nd\n', 'stop flushes the partial batch');
  rmSync(dir, { recursive: true });
});

test('AND with flush_interval 0 flushes on the count alone; OR flushes on the timer', async () => {
  const dir = tmp();
  const a = setup({ path: join(dir, 'and.log'), flush_count: 2, flush_interval: 0 });
  a.send('1');
  await settle();
  assert.equal(a.acked.length, 0);
  a.send('2');
  await until(() => a.acked.length === 2, 'AND count');
  await a.stop();

  const o = setup({ path: join(dir, 'or.log'), flush_count: 100, flush_interval: 30, flush_operator: 'OR' });
  o.send('x');
  await settle();
  assert.equal(o.acked.length, 0, 'OR: neither the count nor a tick yet');
  o.vclock.advance(30);
  await until(() => o.acked.length === 1, 'OR tick');
  assert.equal(readFileSync(join(dir, 'or.log'), 'utf8'), 'x\n');
  await o.stop();
  rmSync(dir, { recursive: true });
});

test('stop() flushes everything pending and acks it', async () => {
  const dir = tmp();
  const path = join(dir, 'out.log');
  const h = setup({ path, flush_count: 1000, flush_interval: 0 });
  for (let i = 0; i < 10; i++) h.send(String(i));
  await settle();
  assert.equal(h.acked.length, 0);
  await h.stop();
  assert.equal(h.acked.length, 10);
  assert.equal(readFileSync(path, 'utf8'), '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  rmSync(dir, { recursive: true });
});

test('bounded batches: 10,000 pending records flush regardless of flush_count', async () => {
  const dir = tmp();
  const path = join(dir, 'out.log');
  const h = setup({ path, flush_count: 1_000_000, flush_interval: 0 });
  // The router's queue holds 64: feed as an input would, pausing while it is full.
  for (let i = 0; i < 10_000; i++) if (!h.send('r')) await h.router.drained();
  await until(() => h.acked.length === 10_000, '10,000 acks');
  assert.equal(h.report()['BatchCount'], 1);
  await h.stop();
  assert.equal(readFileSync(path, 'utf8').length, 20_000);
  rmSync(dir, { recursive: true });
});

test('write errors are reported and retried, never lost or acked early', async () => {
  const dir = tmp();
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, 'not a directory');
  const path = join(blocker, 'out.log');
  const h = setup({ path, flush_interval: 0 });
  h.send('kept');
  await until(() => h.logSink.lines.length > 0, 'the error line');
  assert.equal(h.acked.length, 0);
  assert.match(h.logSink.lines.join(''), /Failed to write to '.*blocker\/out.log', will retry: .*(ENOTDIR|EEXIST)/);
  h.vclock.advance(250); // first retry: still failing
  await settle();
  assert.equal(h.acked.length, 0);
  rmSync(blocker);
  h.vclock.advance(500); // second retry (250 ms doubled) succeeds
  await until(() => h.acked.length === 1, 'the retried write');
  assert.equal(readFileSync(path, 'utf8'), 'kept\n');
  assert.equal(h.report()['RetryCount'], 2);
  await h.stop();
  rmSync(dir, { recursive: true });
});

test('reopen() re-opens the path at the next write (logrotate)', async () => {
  const dir = tmp();
  const path = join(dir, 'out.log');
  const h = setup({ path, flush_interval: 0 });
  h.send('before');
  await until(() => h.acked.length === 1, 'first');
  renameSync(path, path + '.1');
  h.out.reopen();
  h.send('after');
  await until(() => h.acked.length === 2, 'second');
  await h.stop();
  assert.equal(readFileSync(path + '.1', 'utf8'), 'before\n');
  assert.equal(readFileSync(path, 'utf8'), 'after\n');
  rmSync(dir, { recursive: true });
});

test('rotation: the path pattern is evaluated per interval; pending records go to the old file', async () => {
  const dir = tmp();
  const clock = new VirtualClock(Date.UTC(2014, 1, 10, 16, 46, 41));
  const h = setup({ path: join(dir, 'out-%s.log'), rotation_interval: 1, flush_interval: 0 }, { clock });
  h.send('first');
  await until(() => h.acked.length === 1, 'first');
  clock.advance(3600_000);
  h.send('second');
  await until(() => h.acked.length === 2, 'second');
  await h.stop();
  const h0 = Math.floor(Date.UTC(2014, 1, 10, 16) / 1000);
  assert.equal(readFileSync(join(dir, `out-${h0}.log`), 'utf8'), 'first\n');
  assert.equal(readFileSync(join(dir, `out-${h0 + 3600}.log`), 'utf8'), 'second\n');

  // flush_count 10: 'x' is pending at the 18:00 boundary and belongs in the 17:00 file.
  const d2 = tmp();
  const c2 = new VirtualClock(Date.UTC(2014, 1, 10, 17, 59, 0));
  const r = setup({ path: join(d2, 'out-%s.log'), rotation_interval: 1, flush_interval: 0, flush_count: 10 }, { clock: c2 });
  r.send('w');
  await settle();
  r.send('x');
  await settle();
  assert.equal(r.acked.length, 0);
  c2.advance(60_000);
  await until(() => r.acked.length === 2, 'the boundary flush');
  r.send('y');
  await r.stop();
  assert.equal(readFileSync(join(d2, `out-${h0 + 3600}.log`), 'utf8'), 'w\nx\n');
  assert.equal(readFileSync(join(d2, `out-${h0 + 7200}.log`), 'utf8'), 'y\n');
  rmSync(dir, { recursive: true });
  rmSync(d2, { recursive: true });
});

test('framed protobuf records read back with findFrame', async () => {
  const dir = tmp();
  const path = join(dir, 'out.bin');
  const h = setup({ path, flush_interval: 0, flush_count: 2 }, { encoder: new ProtobufEncoder(), useFraming: true });
  for (const p of ['a', 'b']) h.send(p);
  await h.stop();
  const bin = readFileSync(path);
  const payloads: string[] = [];
  for (let s = 0; s < bin.length; ) {
    const r = findFrame(bin, s, bin.length);
    if (r.record) payloads.push(decodeMessage(unframe(r.record)).payload!);
    s += r.consumed;
  }
  assert.deepEqual(payloads, ['a', 'b']);
  rmSync(dir, { recursive: true });
});

test('swallowed messages are acked at once; perm and folder_perm apply', async () => {
  const dir = tmp();
  const path = join(dir, 'p', 'out.log');
  const h = setup({ path, perm: '600', folder_perm: '750', flush_interval: 0 }, { encoder: { encode: () => null } });
  h.send('x');
  await settle(0);
  assert.deepEqual(h.acked, [0], 'acknowledged without a write');
  await h.stop();
  assert.equal(existsSync(path), false);
  const h2 = setup({ path, perm: '600', folder_perm: '750', flush_interval: 0 });
  h2.send('x');
  await h2.stop();
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'p')).mode & 0o777, 0o750);
  rmSync(dir, { recursive: true });
});

test('config checks and sample.toml', async () => {
  const spec = fileOutputOptions;
  assert.equal(spec.flush_count.check!(0), "Parameter 'flush_count' needs to be greater 1.");
  assert.equal(spec.flush_count.check!(1), undefined);
  assert.equal(spec.rotation_interval.check!(3), 'must be one of 0, 1, 4, 12, 24');
  assert.match(spec.perm.check!('rw-r--r--')!, /octal/);
  assert.equal(spec.perm.check!('0644'), undefined);
  assert.equal(definition.encoderRequired, true);
  const c = await validateSample(definition, fileURLToPath(new URL('../../../../../src/plugins/outputs/file/sample.toml', import.meta.url)));
  assert.equal(c.flush_operator, 'AND');
  assert.equal(c.perm, '644');
});
