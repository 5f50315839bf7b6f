#!/usr/bin/env -S node --max-semi-space-size=4 --expose-gc
// Entry point; the TypeScript sources are compiled to dist/ by `npm install` (prepare) or `npm run build`.
// The V8 flag in the first line: a smaller young generation keeps the peak RSS of a busy pipeline
// about 20 MiB lower (most garbage, messages and payload strings, dies young either way).
import { main } from '../dist/src/cli/hekad.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Let stdout/stderr flush, then leave even if a plugin left a handle open.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (err) => {
    process.stderr.write(`hekad: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
