/** Options common to SandboxFilter, SandboxDecoder and SandboxEncoder (spec/sandbox.md §1.1). */
import { defineOptions } from '../plugin-api/index.js';

export const SANDBOX_COMMON_OPTIONS = defineOptions({
  script_type: {
    type: 'string',
    default: 'lua',
    doc: "Heka's script type; `lua` (the default, for Heka's file names) and `js`/`ts` are accepted, the file extension decides.",
    check: (v) => (['lua', 'js', 'ts', 'javascript', 'typescript'].includes(String(v)) ? undefined : `unsupported script type: ${String(v)}`),
  },
  filename: {
    type: 'string',
    required: true,
    doc: "Script path, relative to share_dir; Heka's lua_* names resolve to built-ins, .js/.mjs/.ts files are user sandboxes.",
  },
  module_directory: {
    type: 'string',
    default: '',
    doc: "';'-separated directories searched by require() for user modules (default <share_dir>/lua_modules).",
  },
  preserve_data: { type: 'bool', default: false, doc: 'Save the sandbox state at shutdown and restore it at start.' },
  memory_limit: { type: 'uint', default: 8388608, doc: 'Heap bytes a user sandbox may use (its worker heap limit, plus runtime overhead).' },
  instruction_limit: {
    type: 'uint',
    default: 1000000,
    doc: 'Per-call CPU budget of a user sandbox: instruction_limit / 10000 ms (0 = unlimited).',
  },
  output_limit: { type: 'uint', default: 64512, doc: 'Largest payload or message (bytes) one injection may produce.' },
  profile: { type: 'bool', default: false, doc: 'Accepted for compatibility; timing is always sampled.' },
  config: { type: 'table', default: {}, doc: 'Free-form values the script reads with read_config().' },
});

export interface SandboxCommonConfig {
  script_type: string;
  filename: string;
  module_directory: string;
  preserve_data: boolean;
  memory_limit: number;
  instruction_limit: number;
  output_limit: number;
  profile: boolean;
  config: Record<string, unknown>;
}
