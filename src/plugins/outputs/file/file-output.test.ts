import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtualClock, systemClock, type Clock } from '../../../core/clock.js';
import { Message } from '../../../core/message.js';
import { decodeMessage } from '../../../core/protobuf.js';
import { findFrame, unframe } from '../../../core/framing.js';
import { applyDefaults } from '../../../config/validate.js';
import { fakeOutputContext, validateSample, type FakeOutputContext } from '../../../../test/harness/fake-output-context.js';
import { PayloadEncoder } from '../../encoders/payload/payload-encoder.js';
import { ProtobufEncoder } from '../../encoders/protobuf/protobuf-encoder.js';
import definition from './index.js';
import { fileOutputOptions, type FileOutputConfig } from './config.js';
import { FileOutput } from './file-output.js';

const newline = new PayloadEncoder({ append_newlines: true, prefix_ts: false, ts_from_message: true, ts_format: '' }, systemClock);

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'heka-file-output-'));
}

function cfg(over: Partial<FileOutputConfig> & { path: string }): FileOutputConfig {
  return { ...(applyDefaults(fileOutputOptions) as unknown as FileOutputConfig), ...over };
}

function msg(p: string): Message {
  const m = new Message();
  m.payload = p;
  return m;
}

function setup(over: Partial<FileOutputConfig> & { path: string }, clock: Clock = systemClock): { out: FileOutput; ctx: FakeOutputContext } {
  const ctx = fakeOutputContext({ encoder: newline, clock });
  return { out: new FileOutput(cfg(over), ctx), ctx };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('defaults (flush_count 1, AND, interval 0): each record written and fsynced before its ack', async () => {
  const dir = tmp();
  const path = join(dir, 'sub', 'deeper', 'out.log');
  const { out, ctx } = setup({ path, flush_interval: 0 });
  const seen: string[] = [];
  const origAck = ctx.ack.bind(ctx);
  ctx.ack = (m) => {
    seen.push(readFileSync(path, 'utf8')); // the record must already be in the file
    origAck(m);
  };
  out.process(msg('one'), ctx);
  await ctx.waitForAcks(1);
  out.process(msg('two'), ctx);
  await ctx.waitForAcks(2);
  assert.deepEqual(seen, ['one\n', 'one\ntwo\n']);
  await out.stop(ctx);
  assert.equal(statSync(join(dir, 'sub')).mode & 0o777, 0o700);
  assert.equal(statSync(path).mode & 0o777, 0o644);
  rmSync(dir, { recursive: true });
});

test('AND: waits for flush_count and for the interval to pass', async () => {
  const dir = tmp();
  const path = join(dir, 'out.log');
  const clock = new VirtualClock(1_000_000);
  const { out, ctx } = setup({ path, flush_count: 3, flush_interval: 60_000 }, clock);
  for (const p of ['a', 'b', 'c']) out.process(msg(p), ctx);
  await tick(20);
  clock.advance(59_999);
  await tick(20);
  assert.equal(ctx.acked.length, 0, 'interval not yet elapsed');
  clock.advance(1); // the flush_interval timer fires with 3 records pending: both conditions hold
  await ctx.waitForAcks(3);
  out.process(msg('d'), ctx);
  clock.advance(60_000); // interval passed again, but only 1 of 3 records
  await tick(20);
  assert.equal(ctx.acked.length, 3, 'AND: the interval alone does not flush');
  assert.equal(readFileSync(path, 'utf8'), 'a\nb\nc\n');
  await out.stop(ctx);
  rmSync(dir, { recursive: true });
});

test('AND with flush_interval 0 flushes on the count alone; OR flushes on the timer', async () => {
  const dir = tmp();
  const a = setup({ path: join(dir, 'and.log'), flush_count: 2, flush_interval: 0 });
  a.out.process(msg('1'), a.ctx);
  await tick(10);
  assert.equal(a.ctx.acked.length, 0);
  a.out.process(msg('2'), a.ctx);
  await a.ctx.waitForAcks(2);
  await a.out.stop(a.ctx);

  const o = setup({ path: join(dir, 'or.log'), flush_count: 100, flush_interval: 30, flush_operator: 'OR' });
  o.out.process(msg('x'), o.ctx);
  await o.ctx.waitForAcks(1, 2000);
  assert.equal(readFileSync(join(dir, 'or.log'), 'utf8'), 'x\n');
  await o.out.stop(o.ctx);
  rmSync(dir, { recursive: true });
});

test('stop() flushes everything pending and acks it', async () => {
  const dir = tmp();
  const path = join(dir, 'out.log');
  const { out, ctx } = setup({ path, flush_count: 1000, flush_interval: 0 });
  for (let i = 0; i < 10; i++) out.process(msg(String(i)), ctx);
  assert.equal(ctx.acked.length, 0);
  await out.stop(ctx);
  assert.equal(ctx.acked.length, 10);
  assert.equal(readFileSync(path, 'utf8'), '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  rmSync(dir, { recursive: true });
});

test('bounded batches: 10,000 pending records flush regardless of flush_count', async () => {
  const dir = tmp();
  const path = join(dir, 'out.log');
  const { out, ctx } = setup({ path, flush_count: 1_000_000, flush_interval: 0 });
  for (let i = 0; i < 10_000; i++) out.process(msg('r'), ctx);
  await ctx.waitForAcks(10_000);
  await out.stop(ctx);
  assert.equal(readFileSync(path, 'utf8').length, 20_000);
  rmSync(dir, { recursive: true });
});

test('write errors are reported and retried, never lost or acked early', async () => {
  const dir = tmp();
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, 'not a directory');
  const path = join(blocker, 'out.log');
  const { out, ctx } = setup({ path, flush_interval: 0 });
  out.process(msg('kept'), ctx);
  await tick(50);
  assert.equal(ctx.acked.length, 0);
  assert.equal(ctx.errors.length, 1);
  assert.match(String(ctx.errors[0]!.err), /Failed to write to '.*blocker\/out.log', will retry: .*ENOTDIR|EEXIST/);
  rmSync(blocker);
  await ctx.waitForAcks(1, 3000); // the retry after ~1 s succeeds
  assert.equal(readFileSync(path, 'utf8'), 'kept\n');
  await out.stop(ctx);
  rmSync(dir, { recursive: true });
});

test('reopen() re-opens the path at the next write (logrotate)', async () => {
  const dir = tmp();
  const path = join(dir, 'out.log');
  const { out, ctx } = setup({ path, flush_interval: 0 });
  out.process(msg('before'), ctx);
  await ctx.waitForAcks(1);
  renameSync(path, path + '.1');
  out.reopen();
  out.process(msg('after'), ctx);
  await ctx.waitForAcks(2);
  await out.stop(ctx);
  assert.equal(readFileSync(path + '.1', 'utf8'), 'before\n');
  assert.equal(readFileSync(path, 'utf8'), 'after\n');
  rmSync(dir, { recursive: true });
});

test('rotation: the path pattern is evaluated per interval', async () => {
  const dir = tmp();
  const clock = new VirtualClock(Date.UTC(2014, 1, 10, 16, 46, 41));
  const { out, ctx } = setup({ path: join(dir, 'out-%s.log'), rotation_interval: 1, flush_interval: 0 }, clock);
  out.process(msg('first'), ctx);
  await ctx.waitForAcks(1);
  clock.advance(3600_000);
  out.process(msg('second'), ctx);
  await ctx.waitForAcks(2);
  await out.stop(ctx);
  const h0 = Math.floor(Date.UTC(2014, 1, 10, 16) / 1000);
  assert.equal(readFileSync(join(dir, `out-${h0}.log`), 'utf8'), 'first\n');
  assert.equal(readFileSync(join(dir, `out-${h0 + 3600}.log`), 'utf8'), 'second\n');
  rmSync(dir, { recursive: true });
});

test('framed protobuf records read back with findFrame', async () => {
  const dir = tmp();
  const path = join(dir, 'out.bin');
  const ctx = fakeOutputContext({ encoder: new ProtobufEncoder(), useFraming: true });
  const out = new FileOutput(cfg({ path, flush_interval: 0, flush_count: 2 }), ctx);
  for (const p of ['a', 'b']) out.process(msg(p), ctx);
  await out.stop(ctx);
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
  const ctx = fakeOutputContext({ encoder: { encode: () => null } });
  const out = new FileOutput(cfg({ path, perm: '600', folder_perm: '750', flush_interval: 0 }), ctx);
  out.process(msg('x'), ctx);
  assert.equal(ctx.acked.length, 1);
  await out.stop(ctx);
  assert.equal(existsSync(path), false);
  const c2 = fakeOutputContext({ encoder: newline });
  const o2 = new FileOutput(cfg({ path, perm: '600', folder_perm: '750', flush_interval: 0 }), c2);
  o2.process(msg('x'), c2);
  await o2.stop(c2);
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
