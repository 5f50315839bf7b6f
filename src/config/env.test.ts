import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors/errors.js';
import { expandEnv } from './env.js';

const env = { USER: 'bob', PASSWORD: 'p@ss]word', EMPTY: '' };

test('expandEnv replaces %ENV[NAME] anywhere, verbatim', () => {
  assert.equal(
    expandEnv('url = "amqp://%ENV[USER]:%ENV[PASSWORD]@rabbitmq/"', env),
    'url = "amqp://bob:p@ss]word@rabbitmq/"',
  );
  assert.equal(expandEnv('# %ENV[USER] in a comment\n[%ENV[USER]]\n', env), '# bob in a comment\n[bob]\n');
  assert.equal(expandEnv('%ENV[USER]%ENV[USER]', env), 'bobbob');
});

test('expandEnv: unset and empty variables become the empty string', () => {
  assert.equal(expandEnv('a="%ENV[NOPE]"', env), 'a=""');
  assert.equal(expandEnv('a="%ENV[EMPTY]"', env), 'a=""');
  assert.equal(expandEnv('a="%ENV[]"', env), 'a=""');
});

test('expandEnv leaves other % text alone and does not re-scan inserted values', () => {
  assert.equal(expandEnv('a = "100%" %ENV %EN[X] %env[USER]', env), 'a = "100%" %ENV %EN[X] %env[USER]');
  assert.equal(expandEnv('x=%ENV[V]', { V: '%ENV[USER]' }), 'x=%ENV[USER]');
  assert.equal(expandEnv('no references', env), 'no references');
});

test('expandEnv: name with whitespace or a nested %ENV[ -> Invalid characters', () => {
  for (const bad of ['%ENV[A B]', '%ENV[A\tB]', '%ENV[A\nB]', '%ENV[A\rB]', '%ENV[A%ENV[B]']) {
    assert.throws(
      () => expandEnv(`x = 1\ny = "${bad}"`, env),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.code === 'HEKA_ERR_CONFIG_ENV_INVALID_CHARS' &&
        e.reason === 'Invalid characters in environmental variable' &&
        e.line === 2 &&
        e.column === 6,
      JSON.stringify(bad),
    );
  }
});

test('expandEnv: no closing ] -> Missing closing delimiter', () => {
  assert.throws(
    () => expandEnv('a = 1\nb = "%ENV[USER"', env),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === 'HEKA_ERR_CONFIG_ENV_MISSING_DELIMITER' &&
      e.reason === 'Missing closing delimiter' &&
      e.line === 2,
  );
});
