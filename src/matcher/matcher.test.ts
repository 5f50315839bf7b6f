import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Field, FieldType, Message, type FieldValue } from '../core/message.js';
import { compileMatcher, compareCodePoints, MatcherSyntaxError, parseMatcher } from './index.js';

/** The example message of spec/message.md §4.4. */
function specMessage(): Message {
  const m = new Message();
  m.type = 'TEST';
  m.severity = 6;
  m.logger = 'GoSpec';
  m.envVersion = '0.8';
  m.payload = 'Test Payload';
  m.addField('foo', FieldType.STRING, 'bar');
  m.addField('foo', FieldType.STRING, 'alternate');
  m.addField('int', FieldType.INTEGER, [999, 1024]);
  m.addField('double', FieldType.DOUBLE, 99.9);
  m.addField('bool', FieldType.BOOL, true);
  m.addField('zero', FieldType.INTEGER, 0);
  m.addField('string', FieldType.STRING, '43');
  return m;
}

/** The spec message plus the remaining headers and more field types. */
function richMessage(): Message {
  const m = specMessage();
  m.uuid = Uint8Array.from(Buffer.from('87cf1ac2e8104ddfa02da5ce44d13a85', 'hex'));
  m.timestamp = 1416840893000000000;
  m.pid = 14098;
  m.hostname = 'h';
  m.addField('flag', FieldType.BOOL, false);
  m.addField('raw', FieldType.BYTES, Uint8Array.from(Buffer.from('héllo', 'utf8')));
  m.addField('bin', FieldType.BYTES, Uint8Array.from([0xff, 0x00, 0x41]));
  m.addField('btrue', FieldType.BYTES, Uint8Array.from(Buffer.from('TRUE')));
  m.addField('strue', FieldType.STRING, 'TRUE');
  m.addField('empty', FieldType.STRING, []);
  m.addField('name with space', FieldType.STRING, 'sp');
  m.addField('a.b"c', FieldType.STRING, 'odd');
  m.addField('emoji', FieldType.STRING, '😀');
  m.addField('bmp', FieldType.STRING, '\uffef');
  return m;
}

function check(expr: string, msg: Message, want: boolean): void {
  assert.equal(compileMatcher(expr)(msg), want, `${expr} should be ${want}`);
}

test('spec §4.4 examples', () => {
  const msg = specMessage();
  const rows: [string, boolean][] = [
    ['TRUE', true],
    ["Type == 'TEST' && Severity == 6", true],
    ["Type == 'test' && Severity == 7 || Payload == 'Test Payload'", true],
    ["EnvVersion > '0.7'", true],
    ["Fields[foo] == 'bar'", true],
    ["Fields[foo][1] == 'alternate'", true],
    ["Fields[foo][0][1] == 'bar'", false],
    ['Fields[int][0][1] == 1024', true],
    ['Fields[int][0][2] == NIL', true],
    ['Fields[missing] != NIL', false],
    ["Fields[missing] != 'x'", false],
    ['Fields[zero] == "0"', false],
    ['Fields[string] == 43', false],
    ['Fields[int] =~ /999/', false],
    ['Fields[bool] == FALSE', false],
    ['Type =~ /^TE/', true],
    ['Type !~ /ST$/', false],
  ];
  for (const [expr, want] of rows) check(expr, msg, want);
  for (const bad of ['Pid =~ /6/', 'Type == NIL', 'Severity > -1']) {
    assert.throws(() => compileMatcher(bad), MatcherSyntaxError, bad);
  }
});

// ---- malformed ----

const MALFORMED: [expr: string, column: number][] = [
  ['', 1],
  ['   ', 4],
  ['\n TRUE', 1], // a newline ends the input: empty
  ['Type', 5],
  ['Type ==', 8],
  ["Type = 'x'", 6],
  ["Type === 'x'", 8],
  ["Type ! 'x'", 6],
  ["Type == 'x' & TRUE", 13],
  ["Type == 'x' | TRUE", 13],
  ["type == 'x'", 1],
  ["Foo == 'x'", 1],
  ["Type2 == 'x'", 5],
  ["Type == 'x", 9],
  ['Type == "x\\"', 9],
  ['Type =~ /abc', 9],
  ['Type =~ /a(b/', 9],
  ['Type =~ /a\\1/', 9],
  ['Type =~ /(?=x)/', 9],
  ["Type =~ 'x'", 9],
  ['Type == /x/', 9],
  ['Type == 5', 9],
  ['Type == TRUE', 9],
  ['Type == NIL', 9],
  ['Type < NIL', 8],
  ["Severity == '6'", 13],
  ['Severity == NIL', 13],
  ['Severity =~ /6/', 10],
  ['Pid =~ /6/', 5],
  ['Severity > -1', 12],
  ['Severity > +1', 12],
  ['Severity', 9],
  ['Fields', 1],
  ['Fields == 1', 1],
  ['Fields [x] == 1', 1],
  ['Fields[] == 1', 1],
  ['Fields[x == 1', 1],
  ['Fields[x][] == 1', 1],
  ['Fields[x][a] == 1', 1],
  ['Fields[x][0][-1] == 1', 1],
  ['Fields[x][0][0][0] == 1', 16],
  ['Fields[x] [0] == 1', 11],
  ['Fields[x] != TRUE', 14],
  ['Fields[x] > FALSE', 13],
  ['Fields[x] < NIL', 13],
  ['Fields[x] =~ NIL', 14],
  ['Fields[x] == Type', 14],
  ['Fields[x] =~ "x"', 14],
  ['NIL', 1],
  ['Fields[x]', 10],
  ['TRUE &&', 8],
  ['TRUE ||', 8],
  ['&& TRUE', 1],
  ['(TRUE', 6],
  ['TRUE)', 5],
  ['()', 2],
  ['(TRUE FALSE)', 7],
  ['TRUE\r', 5],
  ['TRUE\f', 5],
  ['TRUE\u00a0', 5],
  ['TRUE #', 6],
  ['TRUE [', 6],
  ["Type == 'é' && x", 16],
  ["Type == '😀' && x", 16],
];

test('malformed expressions throw MatcherSyntaxError with the column of the offending token', () => {
  for (const [expr, column] of MALFORMED) {
    let err: unknown;
    try {
      compileMatcher(expr);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof MatcherSyntaxError, `${JSON.stringify(expr)} should not compile`);
    assert.match(err.message, /^syntax error: last token: .* pos: \d+: ./, JSON.stringify(expr));
    assert.equal(err.column, column, `${JSON.stringify(expr)}: ${err.message}`);
  }
});

test('error message follows Heka: last token and UTF-8 byte position', () => {
  assert.throws(() => compileMatcher("Type == 'é' && Severity == 'x'"), (e: unknown) => {
    assert.ok(e instanceof MatcherSyntaxError);
    assert.equal(e.sym, "'x'");
    assert.equal(e.pos, 31); // 'é' is two bytes
    assert.equal(e.column, 28);
    assert.match(e.message, /^syntax error: last token: 'x' pos: 31: .*Severity/);
    return true;
  });
  assert.throws(() => compileMatcher('Type =~ /[/'), /invalid regular expression.*missing closing \]/);
});

// ---- lexical rules ----

test('a newline ends the input; CR is invalid', () => {
  const msg = specMessage();
  check('TRUE\nthis is ignored ((', msg, true);
  check("Type == 'TEST'\n && FALSE", msg, true);
  assert.throws(() => compileMatcher("Type == 'TE\nST'"), /unterminated string/);
  assert.throws(() => compileMatcher('Fields[fo\no] == 1'), /unterminated field name/);
  assert.throws(() => compileMatcher('TRUE\r\n'), /carriage return/);
  check("Type\t==\t'TEST'", msg, true);
});

test('identifiers and whitespace', () => {
  const msg = specMessage();
  check("Type=='TEST'&&Severity==6", msg, true);
  check('(TRUE)&&(FALSE||TRUE)', msg, true);
  check("Logger=='GoSpec'", msg, true);
  check("Fields[foo]=='bar'", msg, true);
});

test('field references: names with spaces, dots and quotes; indexes', () => {
  const msg = richMessage();
  check("Fields[name with space] == 'sp'", msg, true);
  check(`Fields[a.b"c] == 'odd'`, msg, true);
  check("Fields[foo][1][0] == 'alternate'", msg, true);
  check("Fields[foo][2] == NIL", msg, true);
  check("Fields[foo][0][0] == 'bar'", msg, true);
  check("Fields[foo][01] == 'alternate'", msg, true);
  check('Fields[int][0][1] > 1000', msg, true);
  check('Fields[int][1] == NIL', msg, true);
  check('Fields[empty] == NIL', msg, true); // a field with an empty value array has no element 0
  check('Fields[empty] != NIL', msg, false);
  const ast = parseMatcher('Fields[x][3][4] == 1');
  assert.deepEqual({ ...ast.root, literal: undefined }, {
    type: 'field-test', name: 'x', fi: 3, ai: 4, op: '==', literal: undefined, column: 1,
  });
});

test('numbers: no sign, decimals, exponents; invalid text becomes 0 with a warning', () => {
  const m = new Message();
  m.severity = 0;
  m.timestamp = 1500;
  const warnings: string[] = [];
  assert.equal(compileMatcher('Severity == 1.2.3', { onWarning: (w) => warnings.push(w) })(m), true);
  assert.deepEqual(warnings, ['error converting 1.2.3: invalid number literal, using 0']);
  check('Severity == 5-3', m, true);
  check('Severity == 1e', m, true);
  check('Severity == .', m, true);
  check('Severity == 1e400', m, true); // out of range: Heka's ParseFloat error path gives 0
  check('Timestamp == 1.5e3', m, true);
  check('Timestamp == 1.5e+3', m, true);
  check('Timestamp == 15000e-1', m, true);
  check('Timestamp == .15e4', m, true);
  check('Timestamp == 1500.', m, true);
  check('Timestamp < 1500.5', m, true);
  check('Timestamp > 1499.999', m, true);
  assert.equal(parseMatcher('Pid == 007').warnings.length, 0);
});

test('string literals: quotes and the single escape', () => {
  const m = new Message();
  m.payload = "it's";
  check("Payload == 'it\\'s'", m, true);
  check('Payload == "it\'s"', m, true);
  m.payload = 'say "hi"';
  check('Payload == "say \\"hi\\""', m, true);
  check("Payload == 'say \"hi\"'", m, true);
  m.payload = 'a\\nb';
  check("Payload == 'a\\nb'", m, true); // backslash + other char is kept literally
  m.payload = 'a\\"b';
  check("Payload == 'a\\\"b'", m, true); // \" inside '...' is not an escape
  m.payload = '';
  check("Payload == ''", m, true);
  check('Payload == ""', m, true);
});

test('regex literals: \\/ is a slash, other escapes go to the regex engine', () => {
  const m = new Message();
  m.payload = 'GET /index.html HTTP/1.1';
  check('Payload =~ /\\/index\\.html/', m, true);
  check('Payload =~ /\\/indexXhtml/', m, false);
  check('Payload =~ /HTTP\\/1\\.\\d$/', m, true);
  check('Payload =~ /(?i)get \\//', m, true);
  check('Payload =~ /(?P<method>[A-Z]+) /', m, true);
  check('Payload =~ /^\\QGET \\/\\E/', m, true); // \/ unescaped before \Q..\E applies
  check('Payload =~ /^\\Q.ET\\E/', m, false);
  check('Payload =~ /[[:upper:]]{3} /', m, true);
  check('Payload =~ /\\Aget/', m, false);
  check('Payload =~ /1\\z/', m, true);
  check('Payload =~ //', m, true);
  check('Payload !~ //', m, false);
});

// ---- grammar ----

test('precedence, associativity, parentheses', () => {
  const m = specMessage();
  check('FALSE && FALSE || TRUE', m, true);
  check('TRUE || FALSE && FALSE', m, true);
  check('(TRUE || FALSE) && FALSE', m, false);
  check('FALSE || FALSE || TRUE', m, true);
  check('TRUE && TRUE && FALSE', m, false);
  check('((((TRUE))))', m, true);
  check("(Type == 'TEST' || FALSE) && (Severity == 6 && TRUE)", m, true);
  const ast = parseMatcher('TRUE || FALSE && TRUE');
  assert.equal(ast.root.type, 'or');
  const left = parseMatcher('TRUE || FALSE || TRUE').root;
  assert.ok(left.type === 'or' && left.left.type === 'or');
});

test('juxtaposition quirk: several expressions are accepted, only the last is evaluated', () => {
  const m = specMessage();
  check('TRUE FALSE', m, false);
  check('FALSE TRUE', m, true);
  check("Type == 'nope' Severity == 6", m, true);
  check('TRUE || FALSE FALSE', m, false);
  check('TRUE FALSE || TRUE', m, true);
  check('(FALSE) (TRUE)', m, true);
  const ast = parseMatcher('TRUE FALSE TRUE');
  assert.equal(ast.ignored.length, 2);
});

// ---- evaluation ----

test('header strings: absent is empty, byte-wise ordering, regex search', () => {
  const empty = new Message();
  for (const v of ['Uuid', 'Type', 'Logger', 'Payload', 'EnvVersion', 'Hostname']) {
    check(`${v} == ''`, empty, true);
    check(`${v} != ''`, empty, false);
    check(`${v} < 'a'`, empty, true);
    check(`${v} >= ''`, empty, true);
    check(`${v} =~ /^$/`, empty, true);
    check(`${v} != 'x'`, empty, true);
  }
  const m = richMessage();
  check("Hostname == 'h'", m, true);
  check("Hostname != 'h'", m, false);
  check("Logger <= 'GoSpec'", m, true);
  check("Logger < 'GoSpec'", m, false);
  check("Logger >= 'GoSpea'", m, true);
  check("Logger > 'GoSpecs'", m, false);
  check("Type == ''", m, false);
  check('Payload =~ /Pay/', m, true);
  check('Payload !~ /Pay/', m, false);
  check('Payload =~ /^Pay/', m, false);
  check('Payload =~ /load$/', m, true);
  check('Payload =~ /^Test Payload$/', m, true);
  check('Payload =~ /t.P/', m, true);
});

test('string ordering is by UTF-8 bytes, not UTF-16 code units', () => {
  const m = new Message();
  m.type = '\uffef'; // U+FFEF sorts below any astral character in UTF-8
  check("Type < '😀'", m, true);
  check("Type > '😀'", m, false);
  m.type = '😀';
  check("Type > '\uffef'", m, true);
  check("Type >= 'z'", m, true);
  check("Type < '\u{10000}'", m, false);
  m.type = 'é';
  check("Type > 'z'", m, true);
  check("Type < 'ê'", m, true);
  assert.ok(compareCodePoints('\uffff', '\u{10000}') < 0);
  assert.ok(compareCodePoints('a', 'ab') < 0);
  assert.ok(compareCodePoints('\u{10001}', '\u{10000}') > 0);
  assert.equal(compareCodePoints('x😀', 'x😀'), 0);
});

test('Uuid compares as its canonical text', () => {
  const m = richMessage();
  const text = '87cf1ac2-e810-4ddf-a02d-a5ce44d13a85';
  check(`Uuid == '${text}'`, m, true);
  check(`Uuid != '${text}'`, m, false);
  check(`Uuid == '${text.toUpperCase()}'`, m, false);
  check("Uuid == '87cf1ac2e8104ddfa02da5ce44d13a85'", m, false);
  check("Uuid != 'x'", m, true);
  check("Uuid =~ /^87cf1ac2-/", m, true);
  check("Uuid > '87cf'", m, true);
  check("Uuid < '87cf'", m, false);
  check("Uuid == ''", m, false);
  m.uuid = new Uint8Array(5); // not 16 bytes: text form is ''
  check("Uuid == ''", m, true);
  check("Uuid != ''", m, false);
});

test('numeric headers: defaults Timestamp 0, Severity 7, Pid 0', () => {
  const empty = new Message();
  check('Severity == 7', empty, true);
  check('Timestamp == 0', empty, true);
  check('Pid == 0', empty, true);
  check('Severity != 7', empty, false);
  const m = richMessage();
  check('Severity == 6', m, true);
  check('Severity < 7', m, true);
  check('Severity <= 6', m, true);
  check('Severity > 6', m, false);
  check('Severity >= 6.0', m, true);
  check('Severity != 6', m, false);
  check('Pid == 14098', m, true);
  check('Timestamp == 1416840893000000000', m, true);
  check('Timestamp > 1416840892999999999', m, false); // both sides are the same double
  m.severity = 0;
  check('Severity == 0', m, true);
});

test('missing fields and elements: only == NIL is true', () => {
  const m = richMessage();
  for (const ref of ['Fields[missing]', 'Fields[foo][2]', 'Fields[int][0][5]', 'Fields[bool][0][1]']) {
    check(`${ref} == NIL`, m, true);
    check(`${ref} != NIL`, m, false);
    for (const rest of ["== 'x'", "!= 'x'", '== 1', '!= 1', '< 1', '> 1', '=~ /x/', '!~ /x/', '== TRUE', '== FALSE']) {
      check(`${ref} ${rest}`, m, false);
    }
  }
});

test('STRING fields', () => {
  const m = richMessage();
  check("Fields[foo] == 'bar'", m, true);
  check("Fields[foo] != 'bar'", m, false);
  check("Fields[foo] < 'bas'", m, true);
  check("Fields[foo] <= 'bar'", m, true);
  check("Fields[foo] > 'ba'", m, true);
  check("Fields[foo] >= 'bb'", m, false);
  check('Fields[foo] =~ /^b/', m, true);
  check('Fields[foo] !~ /^b/', m, false);
  check('Fields[foo] == 0', m, false);
  check('Fields[foo] != 0', m, false);
  check('Fields[string] == 43', m, false);
  check('Fields[string] > 1', m, false);
  check('Fields[foo] != NIL', m, true);
  check('Fields[foo] == NIL', m, false);
  check('Fields[strue] == TRUE', m, true); // compares with the text "TRUE"
  check('Fields[strue] == FALSE', m, false);
  check('Fields[foo] == TRUE', m, false);
  check("Fields[emoji] > '\uffef'", m, true);
  check("Fields[bmp] < '😀'", m, true);
});

test('BYTES fields compare and match as bytes', () => {
  const m = richMessage();
  check("Fields[raw] == 'héllo'", m, true);
  check("Fields[raw] != 'héllo'", m, false);
  check("Fields[raw] == 'hello'", m, false);
  check("Fields[raw] > 'hz'", m, true); // 0xc3 > 'z'
  check("Fields[raw] < 'hé'", m, false);
  check('Fields[raw] =~ /^h.llo$/', m, true);
  check('Fields[raw] !~ /é/', m, false);
  check("Fields[bin] < 'A'", m, false); // 0xff sorts last
  check("Fields[bin] > '\u00fe'", m, true); // 0xff > 0xc3 (UTF-8 lead byte of þ)
  check('Fields[bin] =~ /A$/', m, true);
  check('Fields[btrue] == TRUE', m, true);
  check('Fields[btrue] == FALSE', m, false);
  check('Fields[raw] == 5', m, false);
  check('Fields[raw] != NIL', m, true);
});

test('INTEGER and DOUBLE fields', () => {
  const m = richMessage();
  check('Fields[int] == 999', m, true);
  check('Fields[int] != 999', m, false);
  check('Fields[int] < 1000', m, true);
  check('Fields[int] <= 999', m, true);
  check('Fields[int] > 998.5', m, true);
  check('Fields[int] >= 1000', m, false);
  check('Fields[double] == 99.9', m, true);
  check('Fields[double] > 99.89', m, true);
  check('Fields[zero] == 0', m, true);
  check('Fields[zero] == "0"', m, false);
  check("Fields[int] != '999'", m, false);
  check('Fields[int] =~ /.*/', m, false);
  check('Fields[int] !~ /x/', m, false);
  check('Fields[int] == TRUE', m, false);
  check('Fields[zero] == FALSE', m, false);
  check('Fields[int] != NIL', m, true);
  check('Fields[double] == NIL', m, false);
});

test('BOOL fields: TRUE tests the value, every other literal tests "value is false"', () => {
  const m = richMessage(); // bool = true, flag = false
  check('Fields[bool] == TRUE', m, true);
  check('Fields[bool] == FALSE', m, false);
  check('Fields[flag] == TRUE', m, false);
  check('Fields[flag] == FALSE', m, true);
  for (const rest of ["== 'yes'", "!= 'yes'", '> 3', '== 0', '!= 0', '=~ /x/', '!~ /x/', "< 'a'"]) {
    check(`Fields[flag] ${rest}`, m, true);
    check(`Fields[bool] ${rest}`, m, false);
  }
  check('Fields[bool] != NIL', m, true);
  check('Fields[flag] != NIL', m, true);
  check('Fields[flag] == NIL', m, false);
});

test('duplicate field names and values beyond the first', () => {
  const m = new Message();
  m.addField('x', FieldType.STRING, ['a', 'b']);
  m.addField('y', FieldType.INTEGER, 1);
  m.addField('x', FieldType.INTEGER, [5, 6, 7]);
  check("Fields[x] == 'a'", m, true);
  check("Fields[x][0][1] == 'b'", m, true);
  check('Fields[x][1] == 5', m, true);
  check('Fields[x][1][2] == 7', m, true);
  check('Fields[x][1][3] == NIL', m, true);
  check('Fields[x][2] == NIL', m, true);
  check('Fields[x][2] != NIL', m, false);
});

test('bad values never throw', () => {
  const m = new Message();
  m.fields.push(new Field('s', FieldType.STRING, [42 as unknown as FieldValue]));
  m.fields.push(new Field('n', FieldType.INTEGER, ['x']));
  m.fields.push(new Field('u', 9 as FieldType, ['x']));
  m.fields.push(new Field('b', FieldType.BYTES, ['text']));
  for (const expr of ["Fields[s] == 'x'", 'Fields[s] =~ /4/', "Fields[s] < 'z'", 'Fields[n] > 1', "Fields[u] == 'x'", 'Fields[u] =~ /x/']) {
    assert.equal(compileMatcher(expr)(m), false, expr);
  }
  check("Fields[b] == 'text'", m, true);
  check('Fields[b] =~ /ex/', m, true);
  check('Fields[u] != NIL', m, true);
});

// ---- differential test: compiled closures vs. a straightforward interpreter ----

type GNode =
  | { t: 'const'; v: boolean }
  | { t: 'and' | 'or'; l: GNode; r: GNode }
  | { t: 'str'; v: string; op: string; lit: string }
  | { t: 're'; v: string; op: string; re: [string, RegExp] }
  | { t: 'num'; v: string; op: string; lit: number; text: string }
  | { t: 'field'; name: string; fi: number | null; ai: number | null; op: string; lit: FLit };
type FLit =
  | { k: 'string'; v: string }
  | { k: 'number'; v: number; text: string }
  | { k: 'regex'; re: [string, RegExp] }
  | { k: 'bool'; v: boolean }
  | { k: 'nil' };

/** Deterministic PRNG (mulberry32) so a failure can be reproduced from its seed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRS = ['', 'TEST', 'test', 'GoSpec', 'a', 'ab', 'b', 'é', 'z', '\uffef', '😀', 'a😀', 'a\uffef', '0.8', 'TRUE', 'FALSE', 'x y', 'a\\b', '"q"'];
const RES: [string, RegExp][] = [
  ['^TE', /^TE/u],
  ['ST$', /ST$/u],
  ['a', /a/u],
  ['^$', /^$/u],
  ['[0-9]+', /[0-9]+/u],
  ['é', /é/u],
  ['^.$', /^.$/u],
  ['(?i)test', /test/iu],
  ['^a.', /^a./u],
  ['\\/', /\//u],
  ['[[:alpha:]]{2}', /[A-Za-z]{2}/u],
  ['\\pL$', /\p{L}$/u],
];
const NUMS: [string, number][] = [['0', 0], ['1', 1], ['6', 6], ['7', 7], ['7.5', 7.5], ['1e3', 1000], ['999', 999], ['.5', 0.5], ['1.2.3', 0]];
const FIELD_NAMES = ['foo', 'int', 'dbl', 'flag', 'raw', 'missing', 'dup'];
const STR_VARS = ['Type', 'Logger', 'Payload', 'EnvVersion', 'Hostname', 'Uuid'];
const NUM_VARS = ['Timestamp', 'Severity', 'Pid'];
const REL = ['==', '!=', '<', '<=', '>', '>='];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function genNode(r: () => number, depth: number): GNode {
  const x = r();
  if (depth > 0 && x < 0.35) return { t: r() < 0.5 ? 'and' : 'or', l: genNode(r, depth - 1), r: genNode(r, depth - 1) };
  if (x < 0.42) return { t: 'const', v: r() < 0.5 };
  if (x < 0.57) return { t: 'str', v: pick(r, STR_VARS), op: pick(r, REL), lit: pick(r, STRS) };
  if (x < 0.64) return { t: 're', v: pick(r, STR_VARS), op: pick(r, ['=~', '!~']), re: pick(r, RES) };
  if (x < 0.72) {
    const [text, lit] = pick(r, NUMS);
    return { t: 'num', v: pick(r, NUM_VARS), op: pick(r, REL), lit, text };
  }
  const fi = r() < 0.5 ? null : Math.floor(r() * 3);
  const ai = fi === null || r() < 0.5 ? null : Math.floor(r() * 3);
  const y = r();
  let op: string;
  let lit: FLit;
  if (y < 0.3) [op, lit] = [pick(r, REL), { k: 'string', v: pick(r, STRS) }];
  else if (y < 0.55) {
    const [text, v] = pick(r, NUMS);
    [op, lit] = [pick(r, REL), { k: 'number', v, text }];
  } else if (y < 0.7) [op, lit] = [pick(r, ['=~', '!~']), { k: 'regex', re: pick(r, RES) }];
  else if (y < 0.85) [op, lit] = ['==', { k: 'bool', v: r() < 0.5 }];
  else [op, lit] = [pick(r, ['==', '!=']), { k: 'nil' }];
  return { t: 'field', name: pick(r, FIELD_NAMES), fi, ai, op, lit };
}

function quote(r: () => number, s: string): string {
  const q = r() < 0.5 ? "'" : '"';
  return q + s.replaceAll(q, '\\' + q) + q;
}

function ws(r: () => number): string {
  return pick(r, ['', ' ', ' ', '  ', '\t']);
}

/** Emit source text with only the parentheses precedence requires (plus some random extra ones). */
function emit(r: () => number, n: GNode, parentPrec = 0): string {
  let s: string;
  let prec = 3;
  switch (n.t) {
    case 'const':
      s = n.v ? 'TRUE' : 'FALSE';
      break;
    case 'and':
    case 'or': {
      prec = n.t === 'or' ? 1 : 2;
      const op = n.t === 'or' ? '||' : '&&';
      // Left associative: a right child of the same precedence needs parentheses.
      s = emit(r, n.l, prec) + ws(r) + op + ws(r) + emit(r, n.r, prec + 1);
      break;
    }
    case 'str':
      s = n.v + ws(r) + n.op + ws(r) + quote(r, n.lit);
      break;
    case 're':
      s = n.v + ws(r) + n.op + ws(r) + '/' + n.re[0] + '/';
      break;
    case 'num':
      s = n.v + ws(r) + n.op + ' ' + n.text;
      break;
    case 'field': {
      let ref = `Fields[${n.name}]`;
      if (n.fi !== null) ref += `[${n.fi}]`;
      if (n.ai !== null) ref += `[${n.ai}]`;
      const lit = n.lit;
      const l =
        lit.k === 'string' ? quote(r, lit.v) : lit.k === 'number' ? ' ' + lit.text : lit.k === 'regex' ? `/${lit.re[0]}/` : lit.k === 'bool' ? (lit.v ? 'TRUE' : 'FALSE') : 'NIL';
      s = ref + ws(r) + n.op + ws(r) + l;
      break;
    }
  }
  return prec < parentPrec || r() < 0.1 ? `(${ws(r)}${s}${ws(r)})` : s;
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function cmpOp(op: string, c: number): boolean {
  return op === '==' ? c === 0 : op === '!=' ? c !== 0 : op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

function interp(n: GNode, m: Message): boolean {
  switch (n.t) {
    case 'const':
      return n.v;
    case 'and':
      return interp(n.l, m) && interp(n.r, m);
    case 'or':
      return interp(n.l, m) || interp(n.r, m);
    case 'str':
      return cmpOp(n.op, Buffer.compare(utf8(headerText(m, n.v)), utf8(n.lit)));
    case 're':
      return n.re[1].test(headerText(m, n.v)) === (n.op === '=~');
    case 'num': {
      const v = n.v === 'Timestamp' ? (m.timestamp ?? 0) : n.v === 'Severity' ? (m.severity ?? 7) : (m.pid ?? 0);
      return cmpOp(n.op, v < n.lit ? -1 : v > n.lit ? 1 : 0);
    }
    case 'field': {
      const same = m.fields.filter((f) => f.name === n.name);
      const f = same[n.fi ?? 0];
      const v = f?.values[n.ai ?? 0];
      const lit = n.lit;
      if (f === undefined || v === undefined) return lit.k === 'nil' && n.op === '==';
      if (lit.k === 'nil') return n.op === '!=';
      if (f.type === FieldType.BOOL) return lit.k === 'bool' && lit.v ? v === true : v === false;
      if (f.type === FieldType.STRING || f.type === FieldType.BYTES) {
        const bytes = typeof v === 'string' ? utf8(v) : Buffer.from(v as Uint8Array);
        if (lit.k === 'string') return cmpOp(n.op, Buffer.compare(bytes, utf8(lit.v)));
        if (lit.k === 'bool') return bytes.equals(utf8(lit.v ? 'TRUE' : 'FALSE'));
        if (lit.k === 'regex') return lit.re[1].test(new TextDecoder().decode(bytes)) === (n.op === '=~');
        return false;
      }
      if (lit.k !== 'number') return false;
      const x = v as number;
      return cmpOp(n.op, x < lit.v ? -1 : x > lit.v ? 1 : 0);
    }
  }
}

function headerText(m: Message, v: string): string {
  switch (v) {
    case 'Uuid':
      return m.uuid?.length === 16 ? Buffer.from(m.uuid).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-') : '';
    case 'Type':
      return m.type ?? '';
    case 'Logger':
      return m.logger ?? '';
    case 'Payload':
      return m.payload ?? '';
    case 'EnvVersion':
      return m.envVersion ?? '';
    default:
      return m.hostname ?? '';
  }
}

function genMessage(r: () => number): Message {
  const m = new Message();
  const maybe = (p = 0.7): boolean => r() < p;
  if (maybe(0.3)) m.uuid = Uint8Array.from(Buffer.from('87cf1ac2e8104ddfa02da5ce44d13a85', 'hex'));
  if (maybe()) m.type = pick(r, STRS);
  if (maybe()) m.logger = pick(r, STRS);
  if (maybe()) m.payload = pick(r, STRS);
  if (maybe()) m.envVersion = pick(r, STRS);
  if (maybe()) m.hostname = pick(r, STRS);
  if (maybe()) m.severity = pick(r, [0, 1, 6, 7, 8]);
  if (maybe()) m.timestamp = pick(r, [0, 1, 999, 1000, 1416840893000000000]);
  if (maybe()) m.pid = pick(r, [0, 1, 7, 999]);
  const nf = Math.floor(r() * 7);
  for (let i = 0; i < nf; i++) {
    const name = pick(r, FIELD_NAMES.filter((n) => n !== 'missing'));
    const type = pick(r, [FieldType.STRING, FieldType.BYTES, FieldType.INTEGER, FieldType.DOUBLE, FieldType.BOOL]);
    const count = Math.floor(r() * 4);
    const values: FieldValue[] = [];
    for (let k = 0; k < count; k++) {
      if (type === FieldType.STRING) values.push(pick(r, STRS));
      else if (type === FieldType.BYTES) values.push(r() < 0.2 ? Uint8Array.from([0xff, 0x61]) : Uint8Array.from(utf8(pick(r, STRS))));
      else if (type === FieldType.BOOL) values.push(r() < 0.5);
      else values.push(pick(r, [0, 1, 6, 7, 7.5, 999, 1000, 0.5, -1]));
    }
    m.addField(name, type, values);
  }
  return m;
}

test('compiled matchers agree with a reference interpreter on random expressions and messages', () => {
  const r = rng(20240611);
  const messages = Array.from({ length: 60 }, () => genMessage(r));
  let checked = 0;
  for (let i = 0; i < 3000; i++) {
    const nodes = [genNode(r, 4)];
    if (r() < 0.1) nodes.unshift(genNode(r, 2)); // juxtaposition: only the last one counts
    const src = nodes.map((n) => emit(r, n)).join(' ');
    const fn = compileMatcher(src);
    for (const m of messages) {
      const want = interp(nodes[nodes.length - 1]!, m);
      if (fn(m) !== want) {
        assert.fail(`mismatch for ${JSON.stringify(src)} on ${JSON.stringify({ ...m, rawBytes: undefined })}: want ${want}`);
      }
      checked++;
    }
  }
  assert.equal(checked, 3000 * 60);
});
