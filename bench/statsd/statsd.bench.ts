/**
 * Statsd server throughput: hekad (StatsdInput -> StatAccumInput -> CarbonOutput, child process)
 * against the reference Etsy statsd daemon (npm `statsd` 0.9, graphite backend, child process), fed
 * by the same sender: 1 KB UDP packets of counters over 1000 keys, 1 s flush. Each daemon flushes to
 * an in-process line sink standing in for carbon, where the totals are checked. The rate goes up
 * step by step; a daemon's figure is the highest rate with under 0.1% loss. Also: hekad's peak RSS
 * with 100,000 distinct keys per tick.
 *
 * Etsy statsd configuration used (written to a temp file):
 *   { port, address: "127.0.0.1", mgmt_port: <free>, flushInterval: 1000, percentThreshold: [90],
 *     backends: ["./backends/graphite"], graphiteHost: "127.0.0.1", graphitePort: <sink>,
 *     graphite: { legacyNamespace: false, globalPrefix: "etsy" } }
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export interface StatsdBenchResult {
  hekadMaxMetricsPerSec: number;
  etsyMaxMetricsPerSec: number;
  ratio: number;
  steps: Array<{ daemon: string; target: number; sentPerSec: number; delivered: number; sent: number; lossPct: number }>;
  peakRssMiB100kKeys: number;
  senderMaxPerSec: number;
}

/** Sums the counter totals per step prefix from graphite plaintext. */
class LineSink {
  readonly totals = new Map<string, number>();
  port = 0;
  private server = net.createServer((c) => {
    let carry = '';
    c.on('data', (d: Buffer) => {
      const text = carry + d.toString('latin1');
      const last = text.lastIndexOf('\n');
      carry = text.slice(last + 1);
      for (const m of text.slice(0, last).matchAll(/\.counters\.(s\d+)\.k\d+\.count (\S+) /g)) {
        this.totals.set(m[1]!, (this.totals.get(m[1]!) ?? 0) + Number(m[2]));
      }
    });
    c.on('error', () => {});
  });
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  close(): void {
    this.server.close();
  }
}

async function freePort(kind: 'udp' | 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const p = s.address().port;
    s.close();
    return p;
  }
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as net.AddressInfo).port;
  s.close();
  return p;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The sender runs in a worker thread: paced 1 KB packets, `rate` metrics/s for `seconds`. */
const SENDER = `
const { parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');
const sock = dgram.createSocket('udp4');
parentPort.on('message', async ({ port, rate, seconds, prefix, keys, distinct }) => {
  // Pre-build 1 KB packets cycling over the keys (distinct: every metric a new key).
  const packets = []; const perPacket = [];
  let k = 0;
  const nPackets = distinct ? Math.ceil(keys / 40) : 64;
  for (let p = 0; p < nPackets; p++) {
    let s = ''; let n = 0;
    for (;;) {
      const line = prefix + '.k' + (k % keys) + ':1|c';
      if (s.length + line.length + 1 > 1024) break;
      s += (n ? '\\n' : '') + line; n++; k++;
      if (distinct && k >= keys) break;
    }
    packets.push(Buffer.from(s)); perPacket.push(n);
  }
  const start = Date.now(); let sent = 0; let i = 0; const tickMs = 2;
  const end = start + seconds * 1000;
  while (Date.now() < end) {
    const due = Math.min(rate * seconds, rate * (Date.now() - start) / 1000);
    while (sent < due) { sock.send(packets[i % packets.length], port, '127.0.0.1'); sent += perPacket[i % packets.length]; i++; }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await new Promise((r) => setImmediate(r));
  parentPort.postMessage({ sent, seconds: (Date.now() - start) / 1000 });
});
`;

class Sender {
  private w = new Worker(SENDER, { eval: true });
  send(o: { port: number; rate: number; seconds: number; prefix: string; keys: number; distinct?: boolean }): Promise<{ sent: number; seconds: number }> {
    return new Promise((resolve) => {
      this.w.once('message', resolve);
      this.w.postMessage({ distinct: false, ...o });
    });
  }
  close(): Promise<number> {
    return this.w.terminate();
  }
}

function startHekad(dir: string, udpPort: number, sinkPort: number): ChildProcess {
  const conf = join(dir, 'hekad.toml');
  writeFileSync(
    conf,
    `[hekad]\nbase_dir = "${dir}"\n\n[StatsdInput]\naddress = "127.0.0.1:${udpPort}"\n\n[StatAccumInput]\nticker_interval = 1\n\n` +
      `[CarbonOutput]\nmessage_matcher = "Type == 'heka.statmetric'"\naddress = "127.0.0.1:${sinkPort}"\n`,
  );
  return spawn(join(REPO, 'bin/hekad.js'), [`-config=${conf}`], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function startEtsy(dir: string, udpPort: number, sinkPort: number): Promise<ChildProcess> {
  const conf = join(dir, 'etsy.js');
  const mgmt = await freePort('tcp');
  writeFileSync(
    conf,
    `{ port: ${udpPort}, address: "127.0.0.1", mgmt_port: ${mgmt}, mgmt_address: "127.0.0.1", flushInterval: 1000, percentThreshold: [90],
  backends: ["./backends/graphite"], graphiteHost: "127.0.0.1", graphitePort: ${sinkPort},
  graphite: { legacyNamespace: false, globalPrefix: "etsy" } }\n`,
  );
  const c = spawn(process.execPath, [join(REPO, 'node_modules/statsd/stats.js'), conf], { cwd: join(REPO, 'node_modules/statsd'), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  c.stdout!.on('data', (d) => (out += d.toString()));
  while (!out.includes('server is up')) await sleep(20);
  return c;
}

function rssPeakMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null) return;
  const done = new Promise((r) => c.once('exit', r));
  c.kill('SIGINT');
  setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
  await done;
}

export async function benchStatsd(opts: { stepSeconds?: number; rates?: number[] } = {}): Promise<StatsdBenchResult> {
  const stepSeconds = opts.stepSeconds ?? 3;
  const rates = opts.rates ?? [50_000, 100_000, 200_000, 300_000, 500_000, 750_000, 1_000_000, 1_250_000, 1_500_000, 2_000_000, 2_500_000, 3_000_000, 4_000_000];
  const dir = mkdtempSync(join(tmpdir(), 'statsd-bench-'));
  const sender = new Sender();
  const steps: StatsdBenchResult['steps'] = [];
  const best: Record<string, number> = { hekad: 0, etsy: 0 };
  let senderMax = 0;
  try {
    for (const daemon of ['etsy', 'hekad'] as const) {
      const sink = new LineSink();
      await sink.start();
      const port = await freePort('udp');
      const child = daemon === 'hekad' ? startHekad(dir, port, sink.port) : await startEtsy(dir, port, sink.port);
      await sleep(1500);
      let step = 0;
      for (const rate of rates) {
        const prefix = `s${step++}`;
        const r = await sender.send({ port, rate, seconds: stepSeconds, prefix, keys: 1000 });
        senderMax = Math.max(senderMax, r.sent / r.seconds);
        await sleep(2500); // two flushes
        const delivered = sink.totals.get(prefix) ?? 0;
        const lossPct = (100 * (r.sent - delivered)) / r.sent;
        steps.push({ daemon, target: rate, sentPerSec: Math.round(r.sent / r.seconds), delivered, sent: r.sent, lossPct });
        console.log(`statsd ${daemon.padEnd(5)} target ${String(rate).padStart(9)}/s sent ${String(Math.round(r.sent / r.seconds)).padStart(9)}/s loss ${lossPct.toFixed(3)}%`);
        if (lossPct >= 0.1 || delivered > r.sent) break;
        best[daemon] = Math.round(r.sent / r.seconds);
        if (r.sent / r.seconds < rate * 0.9) break; // the sender itself is the limit
      }
      await stopChild(child);
      sink.close();
    }

    // Peak RSS with 100,000 distinct keys per tick.
    const sink = new LineSink();
    await sink.start();
    const port = await freePort('udp');
    const child = startHekad(dir, port, sink.port);
    await sleep(1500);
    for (let i = 0; i < 5; i++) await sender.send({ port, rate: 100_000, seconds: 1, prefix: "r", keys: 100_000, distinct: true });
    await sleep(2500);
    const peak = rssPeakMiB(child.pid!);
    await stopChild(child);
    sink.close();
    console.log(`statsd hekad peak RSS with 100,000 keys per tick: ${peak.toFixed(0)} MiB`);
    return {
      hekadMaxMetricsPerSec: best['hekad']!,
      etsyMaxMetricsPerSec: best['etsy']!,
      ratio: best['etsy']! > 0 ? best['hekad']! / best['etsy']! : Infinity,
      steps,
      peakRssMiB100kKeys: peak,
      senderMaxPerSec: Math.round(senderMax),
    };
  } finally {
    await sender.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node dist/bench/statsd/statsd.bench.js` runs it alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { machineInfo } = await import('../machine.js');
  console.log('machine:', machineInfo());
  benchStatsd().then((r) => console.log(JSON.stringify({ ...r, steps: undefined }, null, 2)));
}
