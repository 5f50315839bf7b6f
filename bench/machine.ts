/** The machine's details, printed with every benchmark (pino's habit). */
import { cpus, totalmem, release } from 'node:os';

export function machineInfo(): Record<string, string | number> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
  };
}
