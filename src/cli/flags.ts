/**
 * Go `flag`-style command line: `-config=x`, `-config x`, `--config=x`, `--config x`, and boolean
 * flags `-version`, `-check` (optionally `=true`/`=false`).
 */
export interface Flags {
  config: string;
  version: boolean;
  check: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: hekad [-config PATH] [-check] [-version]
  -config PATH   a TOML file, or a directory whose *.toml files are read in name order (default /etc/hekad.toml)
  -check         load and validate the configuration, print what would run, and exit (0: valid, 1: not)
  -version       print the version and exit
`;

const BOOL_FLAGS = new Set(['version', 'check']);
const VALUE_FLAGS = new Set(['config']);

export function parseFlags(argv: string[]): Flags {
  const flags: Flags = { config: '/etc/hekad.toml', version: false, check: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--' ) break;
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`unexpected argument: ${arg}`);
    const name = m[1]!;
    let value = m[2];
    if (BOOL_FLAGS.has(name)) {
      if (value === undefined || value === 'true' || value === '1') (flags as unknown as Record<string, boolean>)[name] = true;
      else if (value === 'false' || value === '0') (flags as unknown as Record<string, boolean>)[name] = false;
      else throw new UsageError(`invalid boolean value "${value}" for -${name}`);
    } else if (VALUE_FLAGS.has(name)) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
        value = argv[++i]!;
      }
      flags.config = value;
    } else {
      throw new UsageError(`flag provided but not defined: -${name}`);
    }
  }
  return flags;
}
