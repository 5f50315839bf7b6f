import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGoRegex, GoRegexError, translateGoRegex } from './go-regex.js';

/** [RE2 pattern, subject, does RE2 find a match] — expectations follow Go's regexp package. */
const MATCHES: [string, string, boolean][] = [
  // plain and escaped literals
  ['abc', 'xabcx', true],
  ['a.c', 'a\nc', false],
  ['a.c', 'a\rc', true], // Go's . excludes only \n
  ['a.c', 'a\u2028c', true],
  ['^.$', '😀', true], // . is one code point
  ['^..$', '😀', false],
  ['\\-\\/\\#\\ \\~\\"\\\'', '-/# ~"\'', true],
  ['a\\.b', 'a.b', true],
  ['a\\.b', 'axb', false],
  ['}]', 'x}]', true],
  ['a{', 'a{', true],
  ['a{,3}', 'a{,3}', true],
  ['a{x}', 'a{x}', true],
  ['\\x41\\x{1F600}', 'A😀', true],
  ['\\101\\0', 'A\0', true],
  ['\\12', '\n', true],
  ['\\a\\f\\t\\n\\r\\v', '\x07\f\t\n\r\v', true],
  // anchors
  ['^abc$', 'abc', true],
  ['^abc$', 'abc\n', false], // $ is end of text, not before a final \n
  ['\\Aabc\\z', 'abc', true],
  ['\\Aabc\\z', 'xabc', false],
  ['(?m)^b$', 'a\nb\nc', true],
  ['(?m)^b$', 'a\rb\rc', false], // only \n breaks lines
  ['^b$', 'a\nb\nc', false],
  ['(?m)\\Ab', 'a\nb', false],
  ['(?m)a\\z', 'a\nb', false],
  ['\\bfoo\\b', 'a foo b', true],
  ['\\Bfoo', 'afoo', true],
  ['(^)*a', 'a', true],
  ['^*a', 'ba', true], // RE2 lets an assertion be repeated; JS needs it wrapped
  ['\\b+x', ' x', true],
  ['(?:$)+', '', true],
  // flags
  ['(?i)abc', 'ABC', true],
  ['(?i)k', '\u212a', true], // Kelvin sign folds to k
  ['a(?i)bc', 'aBC', true],
  ['a(?i)bc', 'ABC', false],
  ['(?i:b)c', 'Bc', true],
  ['(?i:b)c', 'BC', false],
  ['(?i)a(?-i:b)', 'Ab', true],
  ['(?i)a(?-i:b)', 'AB', false],
  ['(?i)a(?-i)b', 'AB', false],
  ['x(?i:[a-c]+)y', 'xAbCy', true],
  ['x(?i:[^a])y', 'xAy', false],
  ['x(?i:\\x{212A})y', 'xky', true],
  ['(a(?i)b|c)', 'C', true], // (?i) persists across | until the group closes
  ['(?s)a.c', 'a\nc', true],
  ['(?s:.)\\n', '\n\n', true],
  ['(?U)a+', 'aaa', true],
  ['(?)a', 'a', true],
  ['(?sm)^.$', 'x\n\ny', true],
  // classes
  ['[[:alpha:]]+$', 'abc', true],
  ['^[[:digit:][:space:]]+$', '1 2\t3', true],
  ['^[[:^digit:]]+$', 'ab', true],
  ['^[[:^digit:]]+$', 'a1', false],
  ['^[[:word:]]+$', 'a_1', true],
  ['^[[:punct:]]+$', '!-/@[`{~', true],
  ['[]a]', ']', true],
  ['[^]a]', ']', false],
  ['[a-]', '-', true],
  ['[-a]', '-', true],
  ['[a-c-e]', '-', true],
  ['[a-c-e]', 'd', false],
  ['[\\d-z]', '-', true],
  ['[\\d-z]', 'y', false],
  ['[\\[\\]]', '[', true],
  ['[[]', '[', true],
  ['[\\^]', '^', true],
  ['^\\s$', '\v', false], // Go's \s has no \v
  ['^\\s$', '\u00a0', false],
  ['^\\s+$', ' \t\n\r\f', true],
  ['^[^\\S]$', '\t', true],
  ['^\\w+$', 'é', false], // \w is ASCII
  ['^\\d+$', '٣', false], // \d is ASCII
  ['^[\\D]$', 'x', true],
  ['^\\pL+$', 'héllo', true],
  ['^\\p{L}$', '1', false],
  ['^\\PL$', '1', true],
  ['^\\p{^L}$', '1', true],
  ['^\\p{Greek}+$', 'αβγ', true],
  ['^\\p{Greek}$', 'a', false],
  ['^[\\p{Lu}\\d]+$', 'AB12', true],
  ['^[^\\p{Lu}]$', 'A', false],
  ['^\\p{Any}$', '😀', true],
  ['^\\pN$', '٣', true],
  // quoting
  ['\\Qa.b*\\E', 'a.b*', true],
  ['\\Qa.b*\\E', 'aab', false],
  ['\\Qab\\E+', 'abbb', true],
  ['\\Qa\\b', 'a\\b', true], // no \E: literal to the end
  ['x\\Q\\E*', 'x', true],
  // groups and repetition
  ['(?P<word>\\w+)', 'hi', true],
  ['(?<word>\\w+)', 'hi', true],
  ['(?:ab)+$', 'abab', true],
  ['a{2}$', 'aa', true],
  ['^a{2,}$', 'a', false],
  ['^a{1,2}$', 'aaa', false],
  ['^a{0}$', '', true],
  ['a|', 'b', true],
  ['()', 'x', true],
  ['', 'x', true],
];

test('translated patterns match like Go', () => {
  for (const [pattern, subject, want] of MATCHES) {
    const re = compileGoRegex(pattern);
    assert.equal(re.test(subject), want, `/${pattern}/ on ${JSON.stringify(subject)} -> ${re}`);
  }
});

/** [pattern, part of the expected message] */
const ERRORS: [string, RegExp][] = [
  ['\\1', /backreferences are not supported/],
  ['(a)\\2', /backreferences/],
  ['\\8', /backreferences/],
  ['\\k<x>', /backreferences/],
  ['(?P=x)', /backreferences/],
  ['(?=a)', /lookahead\/lookbehind/],
  ['(?!a)', /lookahead\/lookbehind/],
  ['(?<=a)', /lookahead\/lookbehind/],
  ['(?<!a)', /lookahead\/lookbehind/],
  ['a**', /invalid nested repetition operator: `\*\*`/],
  ['a*+', /invalid nested repetition/],
  ['a{2}{3}', /invalid nested repetition/],
  ['a*??', /invalid nested repetition/],
  ['*a', /missing argument to repetition operator: `\*`/],
  ['(*a)', /missing argument/],
  ['a|*', /missing argument/],
  ['{2}', /missing argument/],
  ['a{1001}', /invalid repeat count/],
  ['a{3,2}', /invalid repeat count/],
  ['(a', /missing closing \)/],
  ['a)', /unexpected \)/],
  ['[a', /missing closing \]/],
  ['[]', /missing closing \]/],
  ['[z-a]', /invalid character class range: `z-a`/],
  ['[[:foo:]]', /invalid character class range: `\[:foo:\]`/],
  ['\\p{Foo}', /invalid character class range/],
  ['\\p{', /invalid character class range/],
  ['[a-\\d]', /invalid escape/],
  ['\\Z', /invalid escape sequence: `\\Z`/],
  ['\\e', /invalid escape/],
  ['\\u0041', /invalid escape/],
  ['\\C', /invalid escape/],
  ['\\xZZ', /invalid escape/],
  ['\\x{110000}', /invalid escape/],
  ['[\\b]', /invalid escape/],
  ['\\é', /invalid escape/],
  ['a\\', /trailing backslash/],
  ['(?-)', /invalid or unsupported Perl syntax/],
  ['(?i-)', /invalid or unsupported Perl syntax/],
  ['(?x)', /invalid or unsupported Perl syntax/],
  ['(?#c)', /invalid or unsupported Perl syntax/],
  ['(?P<>a)', /invalid named capture/],
  ['(?P<a-b>a)', /invalid named capture/],
  ['(?P<a', /invalid named capture/],
  ['(?P<a>x)(?P<a>y)', /duplicate capture group name/],
  ['(?P<1a>x)', /must not start with a digit/],
];

test('unsupported or invalid syntax throws GoRegexError', () => {
  for (const [pattern, want] of ERRORS) {
    assert.throws(
      () => compileGoRegex(pattern),
      (e: unknown) => e instanceof GoRegexError && want.test(e.message) && e.pattern === pattern,
      `${pattern} should fail with ${want}`,
    );
  }
});

test('named groups keep their names; no capture groups are added', () => {
  const m = compileGoRegex('(?P<year>\\d{4})-(?P<month>\\d\\d)(?i:x)?(\\w)').exec('2024-06z');
  assert.ok(m !== null);
  assert.equal(m.groups!['year'], '2024');
  assert.equal(m.groups!['month'], '06');
  assert.equal(m.length, 4);
  assert.equal(m[3], 'z');
});

test('ungreedy flag swaps greediness', () => {
  assert.equal(compileGoRegex('(?U)a+').exec('aaa')![0], 'a');
  assert.equal(compileGoRegex('(?U)a+?').exec('aaa')![0], 'aaa');
  assert.equal(compileGoRegex('a{1,3}?').exec('aaa')![0], 'a');
});

test('flags: native i only when the whole pattern is case-insensitive; u always', () => {
  assert.deepEqual(translateGoRegex('(?i)abc'), { source: 'abc', flags: 'iu' });
  assert.deepEqual(translateGoRegex('abc'), { source: 'abc', flags: 'u' });
  assert.equal(translateGoRegex('a(?i:b)').flags, 'u');
  assert.equal(translateGoRegex('(?m)^a').source, '(?<![^\\n])a');
  assert.equal(translateGoRegex('').source, '(?:)');
});

test('extra flags for scanning callers', () => {
  const re = compileGoRegex('\\n', 'g');
  assert.equal('a\nb\nc'.match(re)!.length, 2);
  assert.equal(compileGoRegex('b', 'y').flags, 'uy');
  assert.throws(() => compileGoRegex('a', 'm'), GoRegexError);
});
