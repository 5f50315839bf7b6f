import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, didYouMean, levenshtein } from './suggest.js';

test('levenshtein distances', () => {
  assert.equal(levenshtein('', 'abc'), 3);
  assert.equal(levenshtein('abc', 'abc'), 0);
  assert.equal(levenshtein('encodr', 'encoder'), 1);
  assert.equal(levenshtein('kitten', 'sitting'), 3);
  assert.equal(levenshtein('perservation_version', 'preservation_version'), 2);
});

test('closest: near misses only, case-insensitive', () => {
  assert.equal(closest('encodr', ['message_matcher', 'encoder', 'use_framing']), 'encoder');
  assert.equal(closest('LOG_DIRECTORY', ['log_directory', 'file_match']), 'log_directory');
  assert.equal(closest('zzz', ['encoder', 'decoder']), undefined);
  assert.equal(closest('x', []), undefined);
  assert.equal(didYouMean('perservation_version', ['rows', 'preservation_version']), " (did you mean 'preservation_version'?)");
  assert.equal(didYouMean('completely_else', ['rows']), '');
});
