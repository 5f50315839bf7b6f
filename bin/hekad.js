#!/usr/bin/env node
// Entry point; the TypeScript sources are compiled to dist/ by `npm install` (prepare) or `npm run build`.
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
