/**
 * Resolves a sandbox `filename` (spec/sandbox.md §1.1): Heka's file names of the built-in Lua
 * plugins map to native implementations whatever share_dir holds; `.js`, `.mjs`, `.cjs`, `.ts`,
 * `.mts` files are user sandboxes; any other `.lua` file is refused (Lua is not run).
 */
import path from 'node:path';
import { findBuiltinSandbox, PENDING_BUILTINS } from './builtins/index.js';
import type { BuiltinSandbox, SandboxKind } from './host.js';

export type ResolvedSandbox =
  | { kind: 'builtin'; file: string; def: BuiltinSandbox }
  | { kind: 'user'; path: string };

const USER_EXT = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);

/** Heka's relative name for `filename` (relative to share_dir), or null when it lies elsewhere. */
function hekaName(filename: string, shareDir: string): string {
  const norm = filename.replace(/\\/g, '/');
  if (!path.isAbsolute(filename)) return path.posix.normalize(norm).replace(/^\.\//, '');
  const rel = path.relative(shareDir, filename).replace(/\\/g, '/');
  return rel.startsWith('..') ? norm : rel;
}

/** Resolve, or throw an Error with a clear message (shown by -check). */
export function resolveSandboxFile(filename: string, shareDir: string, kind: SandboxKind): ResolvedSandbox {
  if (typeof filename !== 'string' || filename === '') throw new Error('filename must be set');
  const name = hekaName(filename, shareDir);
  let def = findBuiltinSandbox(name);
  // An absolute path to Heka's own copy (e.g. /usr/share/heka/lua_filters/http_status.lua) works too.
  if (def === undefined && path.isAbsolute(filename)) {
    const parts = filename.replace(/\\/g, '/').split('/');
    def = findBuiltinSandbox(parts.slice(-2).join('/'));
  }
  if (def !== undefined) {
    if (def.kind !== kind) throw new Error(`'${filename}' is a built-in ${def.kind}, not a ${kind}`);
    return { kind: 'builtin', file: def.file, def };
  }
  const ext = path.extname(filename).toLowerCase();
  if (ext === '.lua') {
    if (PENDING_BUILTINS.includes(name)) throw new Error(`the built-in '${name}' is not available in this build`);
    throw new Error(
      `'${filename}': Lua sandboxes are not run by this hekad; only Heka's built-in scripts are available ` +
        `(${['lua_filters/http_status.lua', 'lua_filters/stat_graph.lua', ...PENDING_BUILTINS].join(', ')}). ` +
        'Port the script to JavaScript or TypeScript (.js, .mjs or .ts).',
    );
  }
  if (!USER_EXT.has(ext)) throw new Error(`'${filename}': unsupported sandbox file type '${ext}' (use .js, .mjs or .ts)`);
  return { kind: 'user', path: path.isAbsolute(filename) ? filename : path.join(shareDir, filename) };
}
