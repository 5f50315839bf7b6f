/**
 * User SandboxDecoder / SandboxEncoder in a real hekad: LogstreamerInput -> a JS decoder that
 * parses lines into fields -> FileOutput with a JS encoder. A decoder that throws on one line is
 * terminated, its input pauses with its journal before that line while another input keeps
 * flowing; after the decoder file is fixed and hekad restarted, every line arrives (lost = 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HekadProcess, tempDir } from '../harness/hekad-process.js';

const GOOD_DECODER = `// Parses "<seq> <method> <path> <status>" lines into fields.
function process_message() {
  var line = String(read_message('Payload')).replace(/\\n$/, '');
  var p = line.split(' ');
  if (p.length !== 5) return [-1, 'bad line'];
  inject_message({ Type: 'parsed', Payload: line, Fields: { stream: p[0], seq: { value: Number(p[1]), value_type: 2 }, method: p[2], path: p[3], status: Number(p[4]) } });
  return 0;
}
`;
const BAD_DECODER = GOOD_DECODER.replace('var p = line.split', "if (line.indexOf('BOOM') >= 0) throw new Error('cannot handle ' + line);\n  var p = line.split");

const ENCODER = `// One text line per message from its fields.
function process_message() {
  add_to_payload(read_message('Fields[stream]'), '|', read_message('Fields[seq]'), '|', read_message('Fields[method]'), '|',
    read_message('Fields[path]'), '|', read_message('Fields[status]'), '|', read_message('Hostname'), '\\n');
  inject_payload('txt', 'line');
  return 0;
}
`;

function config(dir: string): string {
  return `[hekad]
base_dir = "${dir}/base"
share_dir = "${dir}/share"
hostname = "itest"

[in_a]
type = "LogstreamerInput"
log_directory = "${dir}/logs_a"
file_match = 'a\\.log'
check_data_interval = "20ms"
decoder = "lines_a"

[in_b]
type = "LogstreamerInput"
log_directory = "${dir}/logs_b"
file_match = 'b\\.log'
check_data_interval = "20ms"
decoder = "lines_b"

[lines_a]
type = "SandboxDecoder"
filename = "js_decoders/lines_a.js"

[lines_b]
type = "SandboxDecoder"
filename = "js_decoders/lines_b.js"

[line_encoder]
type = "SandboxEncoder"
filename = "js_encoders/line.js"

[out]
type = "FileOutput"
message_matcher = "Type == 'parsed'"
path = "${dir}/out.txt"
encoder = "line_encoder"
flush_interval = 20
`;
}

function aLine(i: number): string {
  return i === 120 ? `a ${i} GET /BOOM 500` : `a ${i} GET /a/${i} ${200 + (i % 4) * 100}`;
}

function outLines(dir: string): string[] {
  const f = join(dir, 'out.txt');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l !== '') : [];
}

function count(dir: string, stream: string): number {
  return new Set(outLines(dir).filter((l) => l.startsWith(stream + '|'))).size;
}

test('user JS decoder + encoder; a throwing decoder pauses its input without loss; restart delivers every line', async () => {
  const dir = tempDir('sbx-dec-it-');
  for (const d of ['logs_a', 'logs_b', 'share/js_decoders', 'share/js_encoders']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'share/js_decoders/lines_a.js'), BAD_DECODER);
  writeFileSync(join(dir, 'share/js_decoders/lines_b.js'), GOOD_DECODER);
  writeFileSync(join(dir, 'share/js_encoders/line.js'), ENCODER);
  const A = 200;
  const aText = Array.from({ length: A }, (_, i) => aLine(i) + '\n').join('');
  writeFileSync(join(dir, 'logs_a/a.log'), aText);
  const boomOffset = Buffer.byteLength(Array.from({ length: 120 }, (_, i) => aLine(i) + '\n').join(''));
  writeFileSync(join(dir, 'logs_b/b.log'), Array.from({ length: 50 }, (_, i) => `b ${i} POST /b/${i} 201\n`).join(''));
  writeFileSync(join(dir, 'hekad.toml'), config(dir));

  // ---- run 1: the decoder of in_a dies on line 120 ----
  const h1 = new HekadProcess(['-config', join(dir, 'hekad.toml')]);
  await h1.waitFor(() => count(dir, 'a') >= 120 && count(dir, 'b') >= 50, 15_000, 'first lines');
  await h1.waitFor((p) => /Terminated\. Reason: process_message\(\) .*lines_a\.js:\d+: cannot handle a 120 GET \/BOOM 500/.test(p.stdout + p.stderr), 5000, 'termination log');
  assert.match(h1.stdout + h1.stderr, /Paused: decoder 'in_a-lines_a' terminated/);
  // Fields were parsed by the decoder and formatted by the encoder.
  assert.ok(outLines(dir).includes('a|7|GET|/a/7|500|itest'), outLines(dir).slice(0, 3).join('\n'));
  assert.ok(outLines(dir).includes('b|3|POST|/b/3|201|itest'));
  // The other input keeps flowing while in_a is paused.
  appendFileSync(join(dir, 'logs_b/b.log'), Array.from({ length: 50 }, (_, i) => `b ${50 + i} POST /b/${50 + i} 201\n`).join(''));
  await h1.waitFor(() => count(dir, 'b') === 100, 10_000, 'in_b to keep flowing');
  assert.equal(count(dir, 'a'), 120, 'nothing after the bad line was delivered');
  // The report shows the termination and the pause (in the full JSON report hekad writes on
  // SIGUSR1; the text on stderr carries only Heka's fixed columns).
  h1.child.kill('SIGUSR1');
  await h1.waitFor((p) => p.stderr.includes('\nin_a-lines_a-1:') && p.stderr.includes('\n========\n'), 5000, 'report');
  const rep = JSON.parse(readFileSync(join(dir, 'base/heka_report.json'), 'utf8')) as Record<string, Array<Record<string, { value: unknown }>>>;
  const field = (cat: string, name: string, f: string) => rep[cat]!.find((r) => (r.Name as unknown) === name)?.[f]?.value;
  assert.match(String(field('decoders', 'in_a-lines_a-1', 'TerminationReason')), /^process_message\(\) /);
  assert.match(String(field('inputs', 'in_a', 'Paused')), /^decoder 'in_a-lines_a' terminated/);
  assert.equal(await h1.stop(), 0);
  // The journal of in_a has not moved past the line that was not decoded.
  const jdir = join(dir, 'base/logstreamer');
  const journals = readdirSync(jdir).filter((f) => !f.includes('.tmp'));
  const ja = journals.map((f) => JSON.parse(readFileSync(join(jdir, f), 'utf8')) as { seek: number; file_name: string }).find((j) => j.file_name.endsWith('a.log'));
  assert.ok(ja, `no journal for a.log in ${journals.join(', ')}`);
  assert.ok(ja.seek <= boomOffset, `journal at ${ja.seek}, the bad line starts at ${boomOffset}`);

  // ---- run 2: decoder fixed; everything arrives ----
  writeFileSync(join(dir, 'share/js_decoders/lines_a.js'), GOOD_DECODER);
  const h2 = new HekadProcess(['-config', join(dir, 'hekad.toml')]);
  await h2.waitFor(() => count(dir, 'a') === A, 15_000, 'every line of a.log');
  assert.equal(await h2.stop(), 0);
  const got = new Set(outLines(dir).filter((l) => l.startsWith('a|')).map((l) => Number(l.split('|')[1])));
  const lost = Array.from({ length: A }, (_, i) => i).filter((i) => !got.has(i));
  assert.deepEqual(lost, [], `lost=${lost.length}`);
  assert.ok(outLines(dir).includes('a|120|GET|/BOOM|500|itest'));
  assert.equal(count(dir, 'b'), 100);
});
