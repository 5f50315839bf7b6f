import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import type { OptionSchema } from '../../../plugin-api/index.js';
import logstreamer from './index.js';
import token from '../../splitters/token/index.js';
import regex from '../../splitters/regex/index.js';
import nullSplitter from '../../splitters/null/index.js';

// Samples live beside the sources; the compiled test runs from dist/.
const srcOf = (rel: string): string => join(dirname(fileURLToPath(import.meta.url)), '../../../../../src/plugins', rel);
const COMMON = new Set(['type', 'splitter', 'decoder', 'synchronous_decode', 'send_decode_failures', 'log_decode_failures', 'can_exit', 'retries',
  'keep_truncated', 'use_message_bytes', 'min_buffer_size', 'deliver_incomplete_final']);

function check(rel: string, options: OptionSchema): void {
  const doc = parse(readFileSync(srcOf(rel), 'utf8')) as Record<string, Record<string, unknown>>;
  for (const section of Object.values(doc)) {
    for (const key of Object.keys(section)) assert.ok(key in options || COMMON.has(key), `${rel}: unknown key ${key}`);
    for (const [key, spec] of Object.entries(options)) if (spec.required) assert.ok(key in section, `${rel}: missing ${key}`);
  }
}

test('sample.toml files only use declared options', () => {
  check('inputs/logstreamer/sample.toml', logstreamer.options);
  check('splitters/token/sample.toml', token.options);
  check('splitters/regex/sample.toml', regex.options);
  check('splitters/null/sample.toml', nullSplitter.options);
});
