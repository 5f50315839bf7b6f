/**
 * TOML reading with Heka's lenient table names (spec/config.md §2.3). Heka's old TOML parser took
 * any table name without '.', '[' or ']' (`[tcp:5565]`, `[nginx_access.config]` with odd parts),
 * which TOML 1.0 rejects as bare keys. Before handing the text to smol-toml we therefore re-write
 * every table header so that each dotted part is a quoted key. Only header lines are touched:
 * a scanner tracks strings (incl. multi-line ones), comments and open arrays/inline tables, so a
 * `[` at the start of a line inside a multi-line string or array is left alone. No line is added
 * or removed, so smol-toml's line numbers still point at the user's file.
 */
import { parse, TomlError } from 'smol-toml';
import type { TomlTable } from 'smol-toml';
import { ConfigError } from '../errors/errors.js';

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function quoteKeyPart(part: string): string {
  return '"' + part.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\u0000-\u001f\u007f]/g, (c) =>
    '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '"';
}

/**
 * Rewrites the header whose `[` is at text[start]; returns [replacement, index after the header
 * brackets], or null when it does not look like a header we can improve (left for smol-toml to
 * report).
 */
function rewriteHeader(text: string, start: number): [string, number] | null {
  const double = text[start + 1] === '[';
  let i = start + (double ? 2 : 1);
  const parts: string[] = [];
  for (;;) {
    // One dotted part: a quoted key, or anything up to '.', ']' or end of line.
    while (text[i] === ' ' || text[i] === '\t') i++;
    const c = text[i];
    if (c === '"' || c === "'") {
      const partStart = i;
      i++;
      while (i < text.length && text[i] !== c && text[i] !== '\n') {
        if (c === '"' && text[i] === '\\') i++;
        i++;
      }
      if (text[i] !== c) return null;
      i++;
      parts.push(text.slice(partStart, i));
      while (text[i] === ' ' || text[i] === '\t') i++;
    } else {
      const partStart = i;
      while (i < text.length && text[i] !== '.' && text[i] !== ']' && text[i] !== '\n' && text[i] !== '[') i++;
      const raw = text.slice(partStart, i).trim();
      if (raw === '') return null;
      parts.push(BARE_KEY.test(raw) ? raw : quoteKeyPart(raw));
    }
    if (text[i] === '.') {
      i++;
      continue;
    }
    if (text[i] !== ']') return null;
    i++;
    if (double) {
      if (text[i] !== ']') return null;
      i++;
    }
    break;
  }
  const open = double ? '[[' : '[';
  const close = double ? ']]' : ']';
  return [open + parts.join('.') + close, i];
}

/**
 * Quotes every part of every table header that TOML 1.0 would not accept as a bare key, keeping
 * all other text (and line breaks) byte for byte.
 */
export function quoteTableHeaders(text: string): string {
  let out = '';
  let copied = 0;
  let depth = 0; // open [ / { inside a value
  let i = 0;
  let lineStart = true;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    if (lineStart && (c === ' ' || c === '\t' || c === '\r')) {
      i++;
      continue;
    }
    if (lineStart && depth === 0 && c === '[') {
      lineStart = false;
      const r = rewriteHeader(text, i);
      if (r === null) {
        i++;
        continue;
      }
      out += text.slice(copied, i) + r[0];
      i = r[1];
      copied = i;
      continue;
    }
    lineStart = false;
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c + c + c, i);
      if (triple) {
        i += 3;
        while (i < n && !text.startsWith(c + c + c, i)) {
          if (c === '"' && text[i] === '\\') i++;
          i++;
        }
        i += 3;
        // A closing run may hold up to two extra quotes that belong to the string.
        while (i < n && text[i] === c) i++;
      } else {
        i++;
        while (i < n && text[i] !== c && text[i] !== '\n') {
          if (c === '"' && text[i] === '\\') i++;
          i++;
        }
        if (text[i] === c) i++;
      }
      continue;
    }
    if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && depth > 0) depth--;
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Parses one file's text (after %ENV expansion). Integers come back as bigint so that an integer
 * literal can be told from a float (Heka rejects `5` for a float option). Throws ConfigError
 * HEKA_ERR_CONFIG_TOML_PARSE with file, line and column.
 */
export function parseToml(text: string, file: string): TomlTable {
  try {
    return parse(quoteTableHeaders(text), { integersAsBigInt: true });
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n', 1)[0]!.replace(/^Invalid TOML document: /, '');
      throw new ConfigError('HEKA_ERR_CONFIG_TOML_PARSE', {
        file,
        reason: `Error decoding config file: ${first}`,
        line: err.line,
        column: err.column,
      });
    }
    throw new ConfigError('HEKA_ERR_CONFIG_TOML_PARSE', {
      file,
      reason: `Error decoding config file: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
}
