/**
 * Built-in sandboxes, registered under Heka's file names (relative to share_dir). They resolve to
 * these implementations whatever share_dir holds. Other issues add their decoders/encoders here
 * (one import + one list line each).
 */
import type { BuiltinSandbox } from '../host.js';
import { httpStatusBuiltin } from './http-status.js';
import { statGraphBuiltin } from './stat-graph.js';

const builtins: BuiltinSandbox[] = [httpStatusBuiltin, statGraphBuiltin];

/** Heka file names of built-ins that other issues provide; until registered they are refused clearly. */
export const PENDING_BUILTINS: readonly string[] = [
  'lua_decoders/nginx_access.lua',
  'lua_encoders/statmetric_influx.lua',
  'lua_encoders/schema_influx_line.lua',
  'lua_encoders/alert.lua',
];

const registry = new Map<string, BuiltinSandbox>(builtins.map((b) => [b.file, b]));

/** Register a built-in at runtime (for plugins that live outside this folder). */
export function registerBuiltinSandbox(b: BuiltinSandbox): void {
  registry.set(b.file, b);
}

export function findBuiltinSandbox(file: string): BuiltinSandbox | undefined {
  return registry.get(file);
}
