/**
 * A buffered CarbonOutput against a REAL carbon-cache: LogstreamerInput reads Graphite lines from
 * a growing log, carbon-cache is stopped and started during the run, and hekad is killed -9 twice.
 * Every metric point must be in whisper (lost = 0); duplicates (lines carbon received more than
 * once, counted by a line-counting relay between hekad and carbon) are printed.
 *
 * Each line is a distinct (metric, second) point, so whisper holds exactly one value per line.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';
import { Carbon, carbonMissing, sleep } from './statsd-support.js';

const missing = carbonMissing();
if (missing && process.env['CI']) throw new Error(`carbon kill -9 test cannot run under CI: ${missing}`);
const skip = missing ? `skipped: ${missing}` : false;

const METRICS = 20;
const TOTAL = 30_000;

/**
 * hekad -> relay -> carbon: forwards bytes both ways and counts the lines it forwarded per text.
 * When carbon is down (or drops the connection) the client connection is dropped too, as a
 * direct connection would be.
 */
class CountingRelay {
  readonly counts = new Map<string, number>();
  port = 0;
  private srv: net.Server | null = null;
  private socks = new Set<net.Socket>();

  constructor(private readonly target: () => number) {}

  async start(): Promise<void> {
    this.srv = net.createServer((client) => {
      this.socks.add(client);
      const up = net.createConnection({ host: '127.0.0.1', port: this.target() });
      this.socks.add(up);
      let rest = '';
      const drop = () => {
        client.destroy();
        up.destroy();
        this.socks.delete(client);
        this.socks.delete(up);
      };
      client.on('data', (d) => {
        // Count only what carbon's socket takes from us.
        if (!up.writable) return drop();
        up.write(d);
        rest += d.toString();
        let nl = rest.indexOf('\n');
        while (nl >= 0) {
          const line = rest.slice(0, nl);
          this.counts.set(line, (this.counts.get(line) ?? 0) + 1);
          rest = rest.slice(nl + 1);
          nl = rest.indexOf('\n');
        }
      });
      for (const s of [client, up]) {
        s.on('error', drop);
        s.on('close', drop);
        s.on('end', drop);
      }
    });
    await new Promise<void>((r) => this.srv!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.srv.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.socks) s.destroy();
    await new Promise((r) => this.srv?.close(r));
  }
}

let carbon: Carbon;
before(async () => {
  if (skip) return;
  carbon = new Carbon();
  await carbon.start();
});
after(async () => {
  if (carbon) await carbon.destroy();
});

test('buffered CarbonOutput: carbon stopped and started, hekad killed -9 twice: every point in whisper', { skip, timeout: 240_000 }, async () => {
  const relay = new CountingRelay(() => carbon.port);
  await relay.start();
  const root = tempDir('hekad-carbon-kill9-');
  const logDir = join(root, 'logs');
  mkdirSync(logDir);
  const config = join(root, 'hekad.toml');
  writeFileSync(
    config,
    `[hekad]
base_dir = "${join(root, 'cache')}"

[app]
type = "LogstreamerInput"
log_directory = "${logDir}"
file_match = 'points\\.log'

[carbon]
type = "CarbonOutput"
message_matcher = "TRUE"
address = "127.0.0.1:${relay.port}"
reconnect_delay = "50ms"
max_reconnect_delay = "500ms"
resend_window = "1s"
use_buffering = true

  [carbon.buffering]
  cursor_update_count = 20
`,
  );
  // Line i: metric i % METRICS at second base + i / METRICS, value i: one distinct whisper point each.
  const base = Math.floor(Date.now() / 1000) - 2500;
  const line = (i: number): string => `kill9.m${i % METRICS} ${i} ${base + Math.floor(i / METRICS)}`;
  const logFile = join(logDir, 'points.log');
  writeFileSync(logFile, '');
  let written = 0;
  const writer = (async () => {
    while (written < TOTAL) {
      const n = Math.min(300, TOTAL - written);
      let chunk = '';
      for (let i = written; i < written + n; i++) chunk += line(i) + '\n';
      appendFileSync(logFile, chunk);
      written += n;
      await sleep(50);
    }
  })();

  const relayed = (): number => relay.counts.size;
  let hekad = new HekadProcess([`-config=${config}`]);
  const events: string[] = [];
  try {
    await hekad.waitFor(() => relayed() >= TOTAL * 0.2, 60_000, '20% of the points');
    hekad.child.kill('SIGKILL');
    await hekad.exited;
    events.push(`kill -9 at ${relayed()} relayed`);
    hekad = new HekadProcess([`-config=${config}`]);

    await hekad.waitFor(() => relayed() >= TOTAL * 0.4, 60_000, '40% of the points');
    await carbon.stop();
    events.push(`carbon stopped at ${relayed()} relayed`);
    await sleep(1500);
    await carbon.start();
    events.push('carbon started');

    await hekad.waitFor(() => relayed() >= TOTAL * 0.6, 60_000, '60% of the points');
    hekad.child.kill('SIGKILL');
    await hekad.exited;
    events.push(`kill -9 at ${relayed()} relayed`);
    hekad = new HekadProcess([`-config=${config}`]);

    await writer;
    await hekad.waitFor(() => relayed() === TOTAL, 90_000, 'every point relayed to carbon');
    // Whisper lags the receiver a little; wait for every point, then stop hekad cleanly.
    let lost: number[] = [];
    const expected = (i: number): [string, number] => [`kill9.m${i % METRICS}`, base + Math.floor(i / METRICS)];
    for (let round = 0; round < 60; round++) {
      const all = carbon.readAll('kill9');
      lost = [];
      for (let i = 0; i < TOTAL; i++) {
        const [name, ts] = expected(i);
        if (all.get(name)?.get(ts) !== i) lost.push(i);
      }
      if (lost.length === 0) break;
      await sleep(500);
    }
    assert.equal(await hekad.stop('SIGINT'), 0, hekad.stderr);
    let duplicates = 0;
    for (const n of relay.counts.values()) duplicates += n - 1;
    console.log(
      `buffered CarbonOutput, carbon restart + kill -9 x2: points=${TOTAL} relayed=${relay.counts.size} lost=${lost.length} ` +
        `duplicates=${duplicates} (${events.join('; ')})`,
    );
    assert.equal(lost.length, 0, `lost points, first: ${lost.slice(0, 5).map((i) => line(i))}`);
    assert.equal(relay.counts.size, TOTAL, 'no foreign lines');
  } finally {
    if (hekad.child.exitCode === null) hekad.child.kill('SIGKILL');
    await relay.stop();
  }
});

