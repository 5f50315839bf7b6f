/**
 * `npm run bench [area...]`: runs the benchmarks, prints the figures with the machine's details and
 * writes them to bench/results.json (areas not run keep their previous figures). Areas: matcher,
 * logfile, userdecoder, statsd, buffering, sandbox. Benchmarks never gate CI.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { machineInfo } from './machine.js';
import { benchMatchers } from './matcher/matcher.bench.js';
import { benchLogfilePipeline } from './throughput/logfile-pipeline.bench.js';
import { benchUserDecoderPipeline } from './throughput/user-decoder-pipeline.bench.js';
import { benchStatsd } from './statsd/statsd.bench.js';
import { benchBufferedOutput, benchDiskQueue } from './buffering/buffering.bench.js';
import { benchHttpStatus, benchUserFilterBoundary } from './sandbox/sandbox.bench.js';

const RESULTS = new URL('../../bench/results.json', import.meta.url).pathname;

const AREAS: Record<string, () => Promise<unknown>> = {
  async matcher() {
    const m = benchMatchers();
    for (const r of m) console.log(`matcher  ${(r.evalsPerSec / 1e6).toFixed(1).padStart(7)} M evals/s  ${r.matcher}`);
    return m;
  },
  async logfile() {
    const size = Number(process.env.BENCH_LOG_MIB ?? 1024);
    const r = await benchLogfilePipeline(size);
    console.log(
      `logfile pipeline: ${(r.bytes / 2 ** 20).toFixed(0)} MiB in ${r.seconds.toFixed(2)} s = ${r.mibPerSec.toFixed(1)} MiB/s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
    );
    return r;
  },
  async userdecoder() {
    const lines = Number(process.env.BENCH_USERDECODER_LINES ?? 2_000_000);
    const r = await benchUserDecoderPipeline(lines);
    console.log(
      `user JS decoder pipeline: ${r.lines} lines in ${r.seconds.toFixed(2)} s = ${Math.round(r.linesPerSec)} lines/s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
    );
    return r;
  },
  async statsd() {
    const r = await benchStatsd();
    console.log(
      `statsd: hekad >= ${r.hekadMaxMetricsPerSec} metrics/s, Etsy statsd ${r.etsyMaxMetricsPerSec} metrics/s (x${r.ratio.toFixed(1)}), peak RSS with 100k keys ${r.peakRssMiB100kKeys.toFixed(0)} MiB`,
    );
    return r;
  },
  async buffering() {
    const queue1 = benchDiskQueue(256, 1);
    const queue50 = benchDiskQueue(256, 50);
    console.log(`disk queue: write ${queue1.writeMBps.toFixed(0)} MB/s, read+ack ${queue1.readAckMBps.toFixed(0)} MB/s (cursor every record)`);
    console.log(`disk queue: write ${queue50.writeMBps.toFixed(0)} MB/s, read+ack ${queue50.readAckMBps.toFixed(0)} MB/s (cursor every 50)`);
    const outputs = [];
    for (const buffered of [false, true]) {
      const r = await benchBufferedOutput('file', buffered);
      console.log(`LogstreamerInput -> FileOutput ${buffered ? 'buffered  ' : 'unbuffered'}: ${Math.round(r.linesPerSec)} lines/s`);
      outputs.push(r);
    }
    return { queue1, queue50, outputs };
  },
  async sandbox() {
    const user = await benchUserFilterBoundary();
    const http = await benchHttpStatus();
    console.log(`user JS filter through the worker boundary: ${(user.messagesPerSec / 1e6).toFixed(2)} M msg/s`);
    console.log(`built-in http_status: ${(http.messagesPerSec / 1e6).toFixed(1)} M msg/s`);
    return { userFilter: user, httpStatus: http };
  },
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  for (const w of wanted) if (!(w in AREAS)) throw new Error(`unknown bench area '${w}' (known: ${Object.keys(AREAS).join(', ')})`);
  const results: Record<string, unknown> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
  results.date = new Date().toISOString();
  results.machine = machineInfo();
  console.log('machine:', results.machine);
  for (const [area, run] of Object.entries(AREAS)) {
    if (wanted.length && !wanted.includes(area)) continue;
    results[area] = await run();
  }
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  console.log(`written to ${RESULTS}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
