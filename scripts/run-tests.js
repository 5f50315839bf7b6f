#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with Node's built-in test runner. Node 20's
// `node --test` takes no globs, so this lists the files. Under CI a skipped test fails the run:
// a missing service must be a failure, never a silent skip.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = find('dist').filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
if (files.length === 0) {
  console.error('No test files found under dist/. Did the build run?');
  process.exit(1);
}

const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', ...files], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('close', (code) => {
  const num = (label) => Number((new RegExp(`ℹ ${label} (\\d+)`).exec(tail) ?? [])[1] ?? 0);
  const pass = num('pass');
  const fail = num('fail');
  const skipped = num('skipped');
  const todo = num('todo');
  if (process.env.CI && skipped + todo > 0) {
    console.error(`CI: ${skipped} skipped and ${todo} todo tests; under CI every test must run.`);
    process.exit(1);
  }
  if (pass === 0 && fail === 0) {
    console.error('The test runner reported no tests.');
    process.exit(1);
  }
  process.exit(code ?? 1);
});
