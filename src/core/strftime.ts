/**
 * strftime exactly as Heka 0.10's Go encoders format time: the gostrftime package pinned by Heka
 * (cactus/gostrftime 4544856), applied to a Go time.Time in the process's local zone
 * (spec/outputs.md, top section).
 *
 * Supported: %a %A %b %B %C %d %D %e %F %H %h %I %j %k %l %M %m %n %p %P %R %r %S %s %T %t %v
 * %w %Y %y %Z %z %%. Any other directive is copied literally ("%Q" stays "%Q"; %f %L %N do not
 * exist in this version). A lone trailing "%" is kept. Quirks kept on purpose, because users parse
 * these lines:
 *   - %z prints hours and minutes each with Go's "%+03d%02d" of a truncated division, so a negative
 *     offset that is not whole hours renders as "-03-30" (UTC-03:30); "+0530" and "-0800" are fine.
 *   - %C prints the full year ("2014"): gostrftime formats t.Year() with "%02d".
 *
 * Time zones follow Go's time.Local: TZ unset -> /etc/localtime, TZ="" -> UTC, TZ=":Area/City" or
 * "Area/City" -> the TZif file from the zoneinfo directories (abbreviations such as "IST" and
 * "NST" come from the file, as in Go; ICU/Intl names differ, e.g. "GMT+5:30"). When no TZif data
 * can be found we fall back to the JS Date local zone and Intl's short name, where Go would use
 * UTC (deliberate: it keeps these timestamps consistent with the daemon's own log prefix).
 */
import { readFileSync } from 'node:fs';

/** The zone offset (seconds east of UTC) and abbreviation in force at one instant. */
export interface ZoneInfo {
  offset: number;
  abbr: string;
}

export interface TimeZone {
  readonly name: string;
  /** The offset and abbreviation in force at `unixSec` (whole seconds since the epoch). */
  lookup(unixSec: number): ZoneInfo;
}

class FixedZone implements TimeZone {
  private readonly info: ZoneInfo;
  constructor(
    readonly name: string,
    offset: number,
    abbr: string,
  ) {
    this.info = { offset, abbr };
  }
  lookup(): ZoneInfo {
    return this.info;
  }
}

export const UTC: TimeZone = new FixedZone('UTC', 0, 'UTC');

// ---------------------------------------------------------------------------------------------
// POSIX TZ rules (the TZif footer, or a TZ value such as "NST3:30NDT,M3.2.0,M11.1.0")

const SECONDS_PER_DAY = 86400;

interface Rule {
  kind: 'J' | 'N' | 'M'; // Jn (1..365, no Feb 29), n (0..365), Mm.w.d
  day: number;
  week: number;
  mon: number;
  /** Local time of the change, seconds after midnight (may be negative or > 24h). */
  time: number;
}

interface PosixTz {
  stdName: string;
  stdOffset: number;
  dstName: string;
  dstOffset: number;
  start: Rule | undefined;
  end: Rule | undefined;
}

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
  peek(): string {
    return this.s[this.pos] ?? '';
  }
  done(): boolean {
    return this.pos >= this.s.length;
  }
}

function parseTzName(c: Cursor): string | undefined {
  if (c.peek() === '<') {
    const close = c.s.indexOf('>', c.pos);
    if (close < 0) return undefined;
    const name = c.s.slice(c.pos + 1, close);
    c.pos = close + 1;
    return name.length > 0 ? name : undefined;
  }
  const start = c.pos;
  while (!c.done()) {
    const ch = c.peek();
    if (/[0-9,+\-:]/.test(ch)) break;
    c.pos++;
  }
  return c.pos - start >= 3 ? c.s.slice(start, c.pos) : undefined;
}

/** [+-]hh[:mm[:ss]] as seconds, or undefined. */
function parseTzTime(c: Cursor, maxHours: number): number | undefined {
  let sign = 1;
  if (c.peek() === '+' || c.peek() === '-') {
    if (c.peek() === '-') sign = -1;
    c.pos++;
  }
  const parts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const m = /^[0-9]{1,3}/.exec(c.s.slice(c.pos));
    if (!m) return undefined;
    parts.push(Number(m[0]));
    c.pos += m[0].length;
    if (c.peek() !== ':' || i === 2) break;
    c.pos++;
  }
  const [h = 0, mi = 0, s = 0] = parts;
  if (h > maxHours || mi > 59 || s > 59) return undefined;
  return sign * (h * 3600 + mi * 60 + s);
}

function parseRule(c: Cursor): Rule | undefined {
  const rule: Rule = { kind: 'N', day: 0, week: 0, mon: 0, time: 2 * 3600 };
  const ch = c.peek();
  const num = (): number | undefined => {
    const m = /^[0-9]+/.exec(c.s.slice(c.pos));
    if (!m) return undefined;
    c.pos += m[0].length;
    return Number(m[0]);
  };
  if (ch === 'J') {
    c.pos++;
    const d = num();
    if (d === undefined || d < 1 || d > 365) return undefined;
    rule.kind = 'J';
    rule.day = d;
  } else if (ch === 'M') {
    c.pos++;
    const mon = num();
    if (mon === undefined || mon < 1 || mon > 12 || c.peek() !== '.') return undefined;
    c.pos++;
    const week = num();
    if (week === undefined || week < 1 || week > 5 || c.peek() !== '.') return undefined;
    c.pos++;
    const day = num();
    if (day === undefined || day > 6) return undefined;
    rule.kind = 'M';
    rule.mon = mon;
    rule.week = week;
    rule.day = day;
  } else {
    const d = num();
    if (d === undefined || d > 365) return undefined;
    rule.day = d;
  }
  if (c.peek() === '/') {
    c.pos++;
    const t = parseTzTime(c, 167);
    if (t === undefined) return undefined;
    rule.time = t;
  }
  return rule;
}

/** Parse a POSIX TZ string; undefined when it is not one. */
function parsePosix(spec: string): PosixTz | undefined {
  const c = new Cursor(spec);
  const stdName = parseTzName(c);
  if (stdName === undefined) return undefined;
  const stdWest = parseTzTime(c, 24);
  if (stdWest === undefined) return undefined;
  const tz: PosixTz = { stdName, stdOffset: -stdWest, dstName: '', dstOffset: 0, start: undefined, end: undefined };
  if (c.done()) return tz;
  const dstName = parseTzName(c);
  if (dstName === undefined) return undefined;
  tz.dstName = dstName;
  tz.dstOffset = tz.stdOffset + 3600;
  if (!c.done() && c.peek() !== ',') {
    const dstWest = parseTzTime(c, 24);
    if (dstWest === undefined) return undefined;
    tz.dstOffset = -dstWest;
  }
  // Go (and glibc) use the US rules when a DST name is given without rules.
  const rules = c.done() ? new Cursor(',M3.2.0,M11.1.0') : c;
  if (rules.peek() !== ',') return undefined;
  rules.pos++;
  const start = parseRule(rules);
  if (start === undefined || rules.peek() !== ',') return undefined;
  rules.pos++;
  const end = parseRule(rules);
  if (end === undefined || !rules.done()) return undefined;
  tz.start = start;
  tz.end = end;
  return tz;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days from 1970-01-01 to yyyy-mm-dd (proleptic Gregorian), m 1..12. */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Seconds after the start of `year` (UTC) at which `rule` fires, for a zone at `offset`. */
function ruleTime(year: number, r: Rule, offset: number): number {
  let s: number;
  if (r.kind === 'J') {
    s = (r.day - 1) * SECONDS_PER_DAY;
    if (isLeap(year) && r.day >= 60) s += SECONDS_PER_DAY;
  } else if (r.kind === 'N') {
    s = r.day * SECONDS_PER_DAY;
  } else {
    // Weekday of the first day of the month (0 = Sunday); 1970-01-01 was a Thursday.
    const first = daysFromCivil(year, r.mon, 1);
    const wd = (((first + 4) % 7) + 7) % 7;
    let d = r.day - wd;
    if (d < 0) d += 7;
    const mdays = r.mon === 2 && isLeap(year) ? 29 : MONTH_DAYS[r.mon - 1]!;
    for (let i = 1; i < r.week; i++) {
      if (d + 7 >= mdays) break;
      d += 7;
    }
    s = (first - daysFromCivil(year, 1, 1) + d) * SECONDS_PER_DAY;
  }
  return s + r.time - offset;
}

function posixLookup(tz: PosixTz, sec: number): ZoneInfo {
  if (tz.start === undefined || tz.end === undefined) return { offset: tz.stdOffset, abbr: tz.stdName };
  const days = Math.floor(sec / SECONDS_PER_DAY);
  const year = civilFromDays(days).y;
  const yearStart = daysFromCivil(year, 1, 1) * SECONDS_PER_DAY;
  const ysec = sec - yearStart;
  let startSec = ruleTime(year, tz.start, tz.stdOffset);
  let endSec = ruleTime(year, tz.end, tz.dstOffset);
  let inName = tz.dstName;
  let inOffset = tz.dstOffset;
  let outName = tz.stdName;
  let outOffset = tz.stdOffset;
  if (endSec < startSec) {
    // Southern hemisphere: the "DST" interval wraps the year end.
    [startSec, endSec] = [endSec, startSec];
    [inName, outName] = [outName, inName];
    [inOffset, outOffset] = [outOffset, inOffset];
  }
  if (ysec < startSec || ysec >= endSec) return { offset: outOffset, abbr: outName };
  return { offset: inOffset, abbr: inName };
}

class PosixZone implements TimeZone {
  constructor(
    readonly name: string,
    private readonly tz: PosixTz,
  ) {}
  lookup(sec: number): ZoneInfo {
    return posixLookup(this.tz, sec);
  }
}

// ---------------------------------------------------------------------------------------------
// TZif files (RFC 8536), read as Go's time package reads them

interface ZoneType {
  offset: number;
  isDst: boolean;
  abbr: string;
}

class TzifZone implements TimeZone {
  private readonly infos: ZoneInfo[];
  private readonly firstIdx: number;
  constructor(
    readonly name: string,
    private readonly when: Float64Array,
    private readonly idx: Uint8Array,
    types: ZoneType[],
    private readonly extend: PosixTz | undefined,
  ) {
    this.infos = types.map((t) => ({ offset: t.offset, abbr: t.abbr }));
    this.firstIdx = firstZone(types, idx);
  }

  lookup(sec: number): ZoneInfo {
    const when = this.when;
    const n = when.length;
    if (n === 0 || sec < when[0]!) return this.infos[this.firstIdx]!;
    let lo = 0;
    let hi = n;
    while (hi - lo > 1) {
      const m = (lo + hi) >>> 1;
      if (sec < when[m]!) hi = m;
      else lo = m;
    }
    if (lo === n - 1 && this.extend !== undefined) return posixLookup(this.extend, sec);
    return this.infos[this.idx[lo]!]!;
  }
}

/** The zone for instants before the first transition (Go's lookupFirstZone). */
function firstZone(types: ZoneType[], idx: Uint8Array): number {
  let used0 = false;
  for (const i of idx) if (i === 0) used0 = true;
  if (!used0) return 0;
  if (idx.length > 0 && types[idx[0]!]!.isDst) {
    for (let z = idx[0]! - 1; z >= 0; z--) if (!types[z]!.isDst) return z;
  }
  for (let z = 0; z < types.length; z++) if (!types[z]!.isDst) return z;
  return 0;
}

/** Parse TZif bytes; undefined when they are not a valid TZif file. */
export function parseTzif(name: string, data: Uint8Array): TimeZone | undefined {
  if (data.length < 44 || data[0] !== 0x54 || data[1] !== 0x5a || data[2] !== 0x69 || data[3] !== 0x66) return undefined;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = data[4]!;
  const counts = (at: number): number[] => [0, 1, 2, 3, 4, 5].map((i) => dv.getUint32(at + 20 + i * 4));
  let p = 0;
  let [isut, isstd, leap, time, type, chars] = counts(0) as [number, number, number, number, number, number];
  let timeSize = 4;
  if (version >= 0x32) {
    // Skip the v1 block and read the 64-bit one.
    p = 44 + time * 4 + time + type * 6 + chars + leap * 8 + isstd + isut;
    if (p + 44 > data.length) return undefined;
    [isut, isstd, leap, time, type, chars] = counts(p) as [number, number, number, number, number, number];
    timeSize = 8;
  }
  p += 44;
  const need = time * timeSize + time + type * 6 + chars + leap * (timeSize + 4) + isstd + isut;
  if (type === 0 || p + need > data.length) return undefined;
  const when = new Float64Array(time);
  for (let i = 0; i < time; i++) {
    when[i] = timeSize === 8 ? Number(dv.getBigInt64(p + i * 8)) : dv.getInt32(p + i * 4);
  }
  p += time * timeSize;
  const idx = data.slice(p, p + time);
  p += time;
  const raw: Array<{ offset: number; isDst: boolean; ai: number }> = [];
  for (let i = 0; i < type; i++) {
    raw.push({ offset: dv.getInt32(p), isDst: data[p + 4] !== 0, ai: data[p + 5]! });
    p += 6;
  }
  const charBytes = data.subarray(p, p + chars);
  p += chars;
  const types: ZoneType[] = raw.map((t) => {
    let e = t.ai;
    while (e < charBytes.length && charBytes[e] !== 0) e++;
    return { offset: t.offset, isDst: t.isDst, abbr: Buffer.from(charBytes.subarray(t.ai, e)).toString('latin1') };
  });
  for (const i of idx) if (i >= types.length) return undefined;
  p += leap * (timeSize + 4) + isstd + isut;
  let extend: PosixTz | undefined;
  if (timeSize === 8 && data[p] === 0x0a) {
    const endNl = data.indexOf(0x0a, p + 1);
    if (endNl > p + 1) extend = parsePosix(Buffer.from(data.subarray(p + 1, endNl)).toString('latin1'));
  }
  return new TzifZone(name, when, idx, types, extend);
}

const ZONEINFO_DIRS = ['/usr/share/zoneinfo/', '/usr/share/lib/zoneinfo/', '/usr/lib/locale/TZ/'];

/** Load a named zone ("Asia/Kolkata", "UTC") from the system zoneinfo, or undefined. */
export function loadZone(name: string): TimeZone | undefined {
  if (name === '' || name === 'UTC') return UTC;
  if (name.includes('..')) return undefined;
  const paths = name.startsWith('/') ? [name] : ZONEINFO_DIRS.map((d) => d + name);
  for (const path of paths) {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch {
      continue;
    }
    const z = parseTzif(name, data);
    if (z !== undefined) return z;
  }
  return undefined;
}

/** A zone from a POSIX TZ rule string such as "IST-5:30" or "NST3:30NDT,M3.2.0,M11.1.0". */
export function posixZone(spec: string): TimeZone | undefined {
  const tz = parsePosix(spec);
  return tz === undefined ? undefined : new PosixZone(spec, tz);
}

/** The JS runtime's local zone (ICU), used only when no TZif data is available. */
class JsLocalZone implements TimeZone {
  readonly name = 'Local';
  private fmt: Intl.DateTimeFormat | undefined;
  lookup(sec: number): ZoneInfo {
    const d = new Date(sec * 1000);
    const offset = -d.getTimezoneOffset() * 60;
    let abbr = 'UTC';
    try {
      this.fmt ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });
      abbr = this.fmt.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? abbr;
    } catch {
      // Intl without time zone data: keep "UTC".
    }
    return { offset, abbr };
  }
}

let localCache: { tz: string | undefined; zone: TimeZone } | undefined;

/** The process's local zone with Go's time.Local rules (cached per value of process.env.TZ). */
export function localZone(): TimeZone {
  const tz = process.env['TZ'];
  if (localCache !== undefined && localCache.tz === tz) return localCache.zone;
  let zone: TimeZone | undefined;
  if (tz === undefined) {
    zone = loadZone('/etc/localtime');
  } else if (tz === '') {
    zone = UTC;
  } else {
    const name = tz.startsWith(':') ? tz.slice(1) : tz;
    zone = loadZone(name) ?? posixZone(name);
  }
  zone ??= new JsLocalZone();
  localCache = { tz, zone };
  return zone;
}

// ---------------------------------------------------------------------------------------------
// Formatting

interface Civil {
  y: number;
  m: number; // 1..12
  d: number; // 1..31
}

function civilFromDays(z: number): Civil {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** Go's fmt "%0<w>d": zero padding after the sign, the sign counting toward the width. */
function zpad(n: number, w: number): string {
  if (n < 0) return '-' + String(-n).padStart(w - 1, '0');
  return String(n).padStart(w, '0');
}

/** Go's fmt "%<w>d": space padding. */
function spad(n: number, w: number): string {
  return String(n).padStart(w, ' ');
}

/** Go's fmt "%+03d". */
function signed3(n: number): string {
  return (n < 0 ? '-' : '+') + String(Math.abs(n)).padStart(2, '0');
}

/** Broken-down local time of one instant. */
interface Tm {
  unix: number;
  y: number;
  mon: number;
  d: number;
  H: number;
  M: number;
  S: number;
  wday: number;
  yday: number; // 1-based
  zone: ZoneInfo;
}

function breakDown(unixSec: number, zone: TimeZone): Tm {
  const info = zone.lookup(unixSec);
  const local = unixSec + info.offset;
  const days = Math.floor(local / SECONDS_PER_DAY);
  const rem = local - days * SECONDS_PER_DAY;
  const c = civilFromDays(days);
  return {
    unix: unixSec,
    y: c.y,
    mon: c.m,
    d: c.d,
    H: Math.floor(rem / 3600),
    M: Math.floor((rem % 3600) / 60),
    S: rem % 60,
    wday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(c.y, 1, 1) + 1,
    zone: info,
  };
}

function hour12(h: number): number {
  const r = h % 12;
  return r === 0 ? 12 : r;
}

/** The expansion of directive `c`, or undefined when gostrftime does not know it. */
function directive(c: string, t: Tm): string | undefined {
  switch (c) {
    case 'A': return DAY_NAMES[t.wday]!;
    case 'a': return DAY_NAMES[t.wday]!.slice(0, 3);
    case 'B': return MONTH_NAMES[t.mon - 1]!;
    case 'b':
    case 'h': return MONTH_NAMES[t.mon - 1]!.slice(0, 3);
    case 'C': return zpad(t.y, 2); // sic: the full year, as gostrftime prints it
    case 'D': return `${zpad(t.mon, 2)}/${zpad(t.d, 2)}/${zpad(t.y % 100, 2)}`;
    case 'd': return zpad(t.d, 2);
    case 'e': return spad(t.d, 2);
    case 'F': return `${zpad(t.y, 4)}-${zpad(t.mon, 2)}-${zpad(t.d, 2)}`;
    case 'H': return zpad(t.H, 2);
    case 'I': return zpad(hour12(t.H), 2);
    case 'j': return zpad(t.yday, 3);
    case 'k': return spad(t.H, 2);
    case 'l': return spad(hour12(t.H), 2);
    case 'M': return zpad(t.M, 2);
    case 'm': return zpad(t.mon, 2);
    case 'n': return '\n';
    case 'P': return t.H < 12 ? 'am' : 'pm';
    case 'p': return t.H < 12 ? 'AM' : 'PM';
    case 'R': return `${zpad(t.H, 2)}:${zpad(t.M, 2)}`;
    case 'r': return `${zpad(hour12(t.H), 2)}:${zpad(t.M, 2)}:${zpad(t.S, 2)} ${t.H < 12 ? 'AM' : 'PM'}`;
    case 'S': return zpad(t.S, 2);
    case 's': return String(t.unix);
    case 'T': return `${zpad(t.H, 2)}:${zpad(t.M, 2)}:${zpad(t.S, 2)}`;
    case 't': return '\t';
    case 'v': return `${spad(t.d, 2)}-${MONTH_NAMES[t.mon - 1]!.slice(0, 3)}-${zpad(t.y, 4)}`;
    case 'w': return String(t.wday);
    case 'Y': return zpad(t.y, 4);
    case 'y': return zpad(t.y % 100, 2);
    case 'Z': return t.zone.abbr;
    case 'z': {
      // gostrftime: Fprintf("%+03d%02d", min/60, min%60) with truncating division; a negative
      // offset that is not whole hours prints its minutes with a sign too ("-03-30").
      const allMinutes = Math.trunc(t.zone.offset / 60);
      const h = Math.trunc(allMinutes / 60);
      const m = allMinutes % 60;
      return signed3(h) + zpad(m, 2);
    }
    default: return undefined;
  }
}

type Part = string | ((t: Tm) => string);

const KNOWN_DIRECTIVES = 'AaBbhCDdeFHIjklMmnPpRrSsTtvwYyZz';

function compile(format: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      lit += ch;
      continue;
    }
    if (i + 1 >= format.length) {
      lit += '%';
      break;
    }
    // A directive letter is one code point (gostrftime reads runes).
    const cp = format.codePointAt(i + 1)!;
    const next = String.fromCodePoint(cp);
    i += next.length;
    if (next === '%') {
      lit += '%';
      continue;
    }
    if (!KNOWN_DIRECTIVES.includes(next)) {
      lit += '%' + next;
      continue;
    }
    if (lit) parts.push(lit);
    lit = '';
    parts.push((t) => directive(next, t)!);
  }
  if (lit) parts.push(lit);
  return parts;
}

/**
 * A compiled format bound to a zone. Output depends only on the whole second (this gostrftime has
 * no sub-second directives), so the last result is cached: a batch of messages from the same second
 * costs one comparison each.
 */
export class Strftime {
  private readonly parts: Part[];
  private lastSec = NaN;
  private lastOut = '';

  constructor(
    readonly pattern: string,
    readonly zone: TimeZone = localZone(),
  ) {
    this.parts = compile(pattern);
  }

  /** Format the instant `unixSec` (whole seconds since the epoch). */
  format(unixSec: number): string {
    if (unixSec === this.lastSec) return this.lastOut;
    const parts = this.parts;
    let out = '';
    if (parts.length === 1 && typeof parts[0] === 'string') {
      out = parts[0];
    } else if (parts.length > 0) {
      const t = breakDown(unixSec, this.zone);
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        out += typeof p === 'string' ? p : p(t);
      }
    }
    this.lastSec = unixSec;
    this.lastOut = out;
    return out;
  }

  /** Format a Heka timestamp in nanoseconds (see nsToUnixSeconds). */
  formatNs(ns: number, exact?: bigint): string {
    return this.format(nsToUnixSeconds(ns, exact));
  }
}

/** strftime(format, unixSec) in `zone` (default: the process's local zone). */
export function strftime(format: string, unixSec: number, zone: TimeZone = localZone()): string {
  return new Strftime(format, zone).format(unixSec);
}

/**
 * Go's time.Unix(0, ns).Unix(): floor(ns / 1e9). `ns` is the double timestamp; when `exact` (the
 * message's timestampExact) agrees with it, it decides seconds the double cannot (near a second
 * boundary above 2^53).
 */
export function nsToUnixSeconds(ns: number, exact?: bigint): number {
  const q = ns / 1e9;
  const s = Math.floor(q);
  if (exact !== undefined && (q - s < 1e-6 || s + 1 - q < 1e-6) && Number(exact) === ns) {
    const e = exact / 1_000_000_000n;
    return Number(exact < 0n && e * 1_000_000_000n !== exact ? e - 1n : e);
  }
  return s;
}
