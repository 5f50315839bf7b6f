/**
 * LogstreamerInput -> a trivial user JS SandboxDecoder (worker thread) -> PayloadEncoder ->
 * FileOutput, with the real hekad as a child process: lines/s from start until the output holds
 * every line. It measures what crossing the decoder's worker boundary costs a whole pipeline.
 * flush_interval is short so that the end is seen within 50 ms (with 1 s the figure moves in steps
 * of a whole second).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateLog, runHekadUntilWritten } from './nginx-log.js';


/** Passes every message on unchanged: the decoder's cost is the boundary, not the script. */
const DECODER = 'function process_message() { return 0; }\n';

export interface UserDecoderBenchResult {
  lines: number;
  bytes: number;
  seconds: number;
  linesPerSec: number;
  peakRssMiB: number;
}

export async function benchUserDecoderPipeline(lines = 2_000_000): Promise<UserDecoderBenchResult> {
  const root = join(tmpdir(), `hekad-bench-udec-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'logs'), { recursive: true });
  mkdirSync(join(root, 'share', 'js_decoders'), { recursive: true });
  writeFileSync(join(root, 'share', 'js_decoders', 'pass.js'), DECODER);
  const { bytes } = generateLog(join(root, 'logs', 'access.log'), Infinity, lines);
  const out = join(root, 'out.log');
  const config = join(root, 'bench.toml');
  writeFileSync(
    config,
    `[hekad]
base_dir = "${join(root, 'cache')}"
share_dir = "${join(root, 'share')}"

[nginx_access_logs]
type = "LogstreamerInput"
log_directory = "${join(root, 'logs')}"
file_match = 'access\\.log'
decoder = "pass_decoder"

[pass_decoder]
type = "SandboxDecoder"
filename = "js_decoders/pass.js"

[PayloadEncoder]
append_newlines = false

[out]
type = "FileOutput"
message_matcher = "Type == 'logfile'"
path = "${out}"
encoder = "PayloadEncoder"
flush_operator = "OR"
flush_count = 10000
flush_interval = 50
`,
  );
  const { seconds, peakRssMiB } = await runHekadUntilWritten(config, out, bytes);
  rmSync(root, { recursive: true, force: true });
  return { lines, bytes, seconds, linesPerSec: lines / seconds, peakRssMiB };
}
