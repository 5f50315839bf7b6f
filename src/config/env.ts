/**
 * `%ENV[NAME]` substitution over the raw file text, before TOML parsing (spec/config.md §2.2).
 * It applies everywhere (strings, keys, comments) and inserts the value verbatim.
 */
import { ConfigError } from '../errors/errors.js';

const START = '%ENV[';

function lineAndColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

/**
 * Replaces every `%ENV[NAME]` with the variable's value (unset -> empty string). Throws a
 * ConfigError (without file; the loader adds it) for a name holding whitespace or `%ENV[`, or a
 * reference without its closing `]`.
 */
export function expandEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let at = text.indexOf(START);
  if (at === -1) return text;
  let out = '';
  let from = 0;
  while (at !== -1) {
    const nameStart = at + START.length;
    const close = text.indexOf(']', nameStart);
    if (close === -1) {
      throw new ConfigError('HEKA_ERR_CONFIG_ENV_MISSING_DELIMITER', {
        reason: 'Missing closing delimiter',
        ...lineAndColumn(text, at),
      });
    }
    const name = text.slice(nameStart, close);
    if (/[ \t\r\n]/.test(name) || name.includes(START)) {
      throw new ConfigError('HEKA_ERR_CONFIG_ENV_INVALID_CHARS', {
        reason: 'Invalid characters in environmental variable',
        ...lineAndColumn(text, at),
      });
    }
    out += text.slice(from, at) + (env[name] ?? '');
    from = close + 1;
    at = text.indexOf(START, from);
  }
  return out + text.slice(from);
}
