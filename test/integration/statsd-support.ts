/**
 * Helpers for the statsd integration tests: a real carbon-cache on loopback (recipe from
 * services/NOTES.md), whisper read-back in one python process, the reference Etsy statsd daemon
 * from node_modules, and free ports.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '../harness/hekad-process.js';

export const CARBON_BIN = '/usr/bin/carbon-cache';
export const WHISPER_PY = '/usr/bin/python3';

/** Why carbon cannot run here, or null. Under CI a missing binary is a failure, elsewhere a skip. */
export function carbonMissing(): string | null {
  if (!existsSync(CARBON_BIN)) return `${CARBON_BIN} not found: apt-get install graphite-carbon python3-whisper`;
  const r = spawnSync(WHISPER_PY, ['-c', 'import whisper'], { encoding: 'utf8' });
  if (r.status !== 0) return `python3-whisper missing: ${r.stderr}`;
  return null;
}

export async function tcpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A UDP port that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

export async function freeTcpPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export class Carbon {
  readonly dir = tempDir('carbon-');
  port = 0;
  private child: ChildProcess | null = null;
  log = '';

  async start(): Promise<void> {
    if (this.port === 0) {
      for (;;) {
        const base = 20000 + Math.floor(Math.random() * 40000);
        if ((await tcpPortFree(base)) && (await tcpPortFree(base + 1)) && (await tcpPortFree(base + 2))) {
          this.port = base;
          break;
        }
      }
      this.writeConfig();
    }
    const D = this.dir;
    this.child = spawn(CARBON_BIN, [`--config=${D}/conf/carbon.conf`, `--pidfile=${D}/run/carbon.pid`, `--logdir=${D}/log`, '--nodaemon', 'start'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.log += d.toString()));
    this.child.stderr!.on('data', (d) => (this.log += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`carbon-cache exited: ${this.log}`);
      const ok = await new Promise<boolean>((resolve) => {
        const c = net.createConnection({ port: this.port, host: '127.0.0.1' });
        c.once('connect', () => (c.destroy(), resolve(true)));
        c.once('error', () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`carbon-cache not ready: ${this.log}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c === null || c.exitCode !== null) return;
    const done = new Promise((r) => c.once('close', r));
    c.kill('SIGTERM');
    await done;
    this.child = null;
    rmSync(join(this.dir, 'run', 'carbon.pid'), { force: true });
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private writeConfig(): void {
    const D = this.dir;
    for (const d of ['conf', 'storage/whisper', 'log', 'run']) mkdirSync(join(D, d), { recursive: true });
    writeFileSync(
      join(D, 'conf/carbon.conf'),
      `[cache]
STORAGE_DIR = ${D}/storage/
LOCAL_DATA_DIR = ${D}/storage/whisper/
WHITELISTS_DIR = ${D}/storage/lists/
CONF_DIR = ${D}/conf/
LOG_DIR = ${D}/log/
PID_DIR = ${D}/run/
USER =
DATABASE = whisper
ENABLE_TAGS = False
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = ${this.port}
ENABLE_UDP_LISTENER = True
UDP_RECEIVER_INTERFACE = 127.0.0.1
UDP_RECEIVER_PORT = ${this.port}
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = ${this.port + 1}
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = ${this.port + 2}
WHISPER_AUTOFLUSH = True
WHISPER_FALLOCATE_CREATE = False
CARBON_METRIC_INTERVAL = 0
LOG_CREATES = True
`,
    );
    writeFileSync(join(D, 'conf/storage-schemas.conf'), '[everything_1s]\npattern = .*\nretentions = 1s:1h,60s:1d\n');
    writeFileSync(join(D, 'conf/storage-aggregation.conf'), '[default]\npattern = .*\nxFilesFactor = 0\naggregationMethod = average\n');
  }

  /** Every stored point under `prefix` (a metric-name prefix such as "stats"), from the whisper files. */
  readAll(prefix: string): Map<string, Map<number, number>> {
    const root = join(this.dir, 'storage/whisper', ...prefix.split('.'));
    const py = `
import whisper, json, os, sys, time
root, prefix = sys.argv[1], sys.argv[2]
now = int(time.time()); out = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith('.wsp'):
            p = os.path.join(d, f)
            name = prefix + '.' + os.path.relpath(p, root)[:-4].replace(os.sep, '.')
            (start, end, step), vals = whisper.fetch(p, now - 3000, now + 5)
            out[name] = [[start + i * step, v] for i, v in enumerate(vals) if v is not None]
print(json.dumps(out))
`;
    const out = new Map<string, Map<number, number>>();
    if (!existsSync(root)) return out;
    const r = spawnSync(WHISPER_PY, ['-c', py, root, prefix], { encoding: 'utf8', maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`whisper read failed: ${r.stderr}`);
    for (const [name, pts] of Object.entries(JSON.parse(r.stdout) as Record<string, Array<[number, number]>>)) {
      out.set(name, new Map(pts));
    }
    return out;
  }
}

/** The reference Etsy statsd daemon (npm `statsd`, graphite backend), run from node_modules. */
export class EtsyStatsd {
  readonly dir = tempDir('etsy-statsd-');
  private child: ChildProcess | null = null;
  out = '';
  /** [arrival ms, graphite timestamp] of every flush, from a tiny extra backend. */
  flushes: Array<[number, number]> = [];

  constructor(
    readonly port: number,
    readonly carbonPort: number,
    readonly globalPrefix: string,
    readonly flushIntervalMs: number,
  ) {}

  static main(): string {
    return join(REPO_ROOT, 'node_modules/statsd/stats.js');
  }

  async start(): Promise<void> {
    const backend = join(this.dir, 'flushlog.js');
    writeFileSync(
      backend,
      `exports.init = function (startup, config, events) {
  events.on('flush', function (ts) { process.stdout.write('FLUSH ' + Date.now() + ' ' + ts + '\\n'); });
  return true;
};\n`,
    );
    const conf = join(this.dir, 'config.js');
    const mgmtPort = await freeTcpPort(); // 0 would mean the default 8126 to Etsy statsd
    // The configuration documented for the conformance run and the bench.
    writeFileSync(
      conf,
      `{
  port: ${this.port},
  address: "127.0.0.1",
  mgmt_port: ${mgmtPort},
  mgmt_address: "127.0.0.1",
  flushInterval: ${this.flushIntervalMs},
  percentThreshold: [90],
  backends: ["./backends/graphite", ${JSON.stringify(backend)}],
  graphiteHost: "127.0.0.1",
  graphitePort: ${this.carbonPort},
  graphite: { legacyNamespace: false, globalPrefix: ${JSON.stringify(this.globalPrefix)} }
}\n`,
    );
    this.child = spawn(process.execPath, [EtsyStatsd.main(), conf], { cwd: join(REPO_ROOT, 'node_modules/statsd'), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      const s = d.toString();
      this.out += s;
      for (const m of s.matchAll(/FLUSH (\d+) (\d+)/g)) this.flushes.push([Number(m[1]), Number(m[2])]);
    });
    this.child.stderr!.on('data', (d) => (this.out += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!/server is up/.test(this.out)) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`Etsy statsd did not start: ${this.out}`);
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c !== null && c.exitCode === null) {
      const done = new Promise((r) => c.once('close', r));
      c.kill('SIGTERM');
      await done;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Picks a moment, at least `margin` ms after now, that is as far as possible from every periodic flush phase. */
export function quietMoment(lastFlushes: number[], periodMs: number, margin = 100): number {
  const phases = lastFlushes.map((t) => ((t % periodMs) + periodMs) % periodMs).sort((a, b) => a - b);
  let best = 0;
  let bestGap = -1;
  for (let i = 0; i < phases.length; i++) {
    const a = phases[i]!;
    const b = i + 1 < phases.length ? phases[i + 1]! : phases[0]! + periodMs;
    if (b - a > bestGap) {
      bestGap = b - a;
      best = (a + (b - a) / 2) % periodMs;
    }
  }
  const now = Date.now() + margin;
  let t = now - (now % periodMs) + best;
  while (t < now) t += periodMs;
  return t;
}
