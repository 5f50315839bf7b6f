/**
 * `npm run bench`: runs every benchmark, prints the figures with the machine's details and writes
 * them to bench/results.json. Benchmarks never gate CI.
 */
import { writeFileSync } from 'node:fs';
import { machineInfo } from './machine.js';
import { benchMatchers } from './matcher/matcher.bench.js';
import { benchLogfilePipeline } from './throughput/logfile-pipeline.bench.js';

const RESULTS = new URL('../../bench/results.json', import.meta.url).pathname;

async function main(): Promise<void> {
  const only = process.argv[2];
  const results: Record<string, unknown> = { date: new Date().toISOString(), machine: machineInfo() };
  console.log('machine:', results.machine);

  if (!only || only === 'matcher') {
    const m = benchMatchers();
    for (const r of m) console.log(`matcher  ${(r.evalsPerSec / 1e6).toFixed(1).padStart(7)} M evals/s  ${r.matcher}`);
    results.matcher = m;
  }
  if (!only || only === 'logfile') {
    const size = Number(process.env.BENCH_LOG_MIB ?? 1024);
    const r = await benchLogfilePipeline(size);
    console.log(
      `logfile pipeline: ${(r.bytes / 2 ** 20).toFixed(0)} MiB in ${r.seconds.toFixed(2)} s = ${r.mibPerSec.toFixed(1)} MiB/s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
    );
    results.logfilePipeline = r;
  }
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  console.log(`written to ${RESULTS}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
