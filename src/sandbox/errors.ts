/** Errors that terminate a sandbox (spec/sandbox.md §1.2-§1.4). */

/** A fatal sandbox failure: the sandbox is terminated with this text as the reason. */
export class SandboxTermination extends Error {
  override name = 'SandboxTermination';
}

/** Heka truncates termination texts to 255 bytes. */
export function truncateReason(s: string): string {
  const b = Buffer.from(s, 'utf8');
  return b.length <= 255 ? s : b.subarray(0, 255).toString('utf8').replace(/\uFFFD$/, '');
}

export { DecoderStoppedError } from '../plugin-api/index.js';
