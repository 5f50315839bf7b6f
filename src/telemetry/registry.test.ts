import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TelemetryRegistry, instanceName } from './registry.js';

test('collect() lists categories in Heka report order, records in registration order', () => {
  const r = new TelemetryRegistry();
  r.register('outputs', 'LogOutput');
  r.register('filters', 'f1');
  r.register('globals', 'Router');
  r.register('encoders', 'LogOutput-PayloadEncoder');
  r.register('splitters', 'in-TokenSplitter-1');
  r.register('decoders', 'in-Dec-1');
  r.register('inputs', 'in');
  r.register('filters', 'f0');
  assert.deepEqual(
    r.collect().map((x) => `${x.category}/${x.name}`),
    [
      'globals/Router',
      'inputs/in',
      'decoders/in-Dec-1',
      'splitters/in-TokenSplitter-1',
      'encoders/LogOutput-PayloadEncoder',
      'filters/f1',
      'filters/f0',
      'outputs/LogOutput',
    ],
  );
  assert.equal(r.size, 8);
});

test('providers are read on demand, at each collect()', () => {
  const r = new TelemetryRegistry();
  let n = 0;
  r.register('inputs', 'in', () => [{ name: 'Count', value: n, representation: 'count' }]);
  assert.deepEqual(r.collect()[0]!.fields, [{ name: 'Count', value: 0, representation: 'count' }]);
  n = 42;
  assert.deepEqual(r.collect()[0]!.fields, [{ name: 'Count', value: 42, representation: 'count' }]);
});

test('a record without a provider carries only its name', () => {
  const r = new TelemetryRegistry();
  r.register('splitters', 'in-TokenSplitter-1');
  assert.deepEqual(r.collect(), [{ category: 'splitters', name: 'in-TokenSplitter-1', fields: [] }]);
});

test('a provider that throws yields a record with only an Error field; the others are unaffected', () => {
  const r = new TelemetryRegistry();
  r.register('decoders', 'in-Dec-1', () => {
    throw new Error('Decoder is not running');
  });
  r.register('filters', 'ok', () => [{ name: 'X', value: 1 }]);
  assert.deepEqual(r.collect(), [
    { category: 'decoders', name: 'in-Dec-1', fields: [{ name: 'Error', value: 'Decoder is not running', representation: '' }] },
    { category: 'filters', name: 'ok', fields: [{ name: 'X', value: 1 }] },
  ]);
});

test('unregister() removes only its own record and is idempotent', () => {
  const r = new TelemetryRegistry();
  const a = r.register('splitters', 'tcp-TokenSplitter-10.0.0.1');
  r.register('splitters', 'tcp-TokenSplitter-10.0.0.2');
  const c = r.register('splitters', 'tcp-TokenSplitter-10.0.0.1');
  a.unregister();
  a.unregister();
  assert.deepEqual(
    r.collect().map((x) => x.name),
    ['tcp-TokenSplitter-10.0.0.2', 'tcp-TokenSplitter-10.0.0.1'],
  );
  c.unregister();
  assert.deepEqual(
    r.collect().map((x) => x.name),
    ['tcp-TokenSplitter-10.0.0.2'],
  );
});

test('an unknown category is refused', () => {
  const r = new TelemetryRegistry();
  assert.throws(() => r.register('widgets' as never, 'x'), /unknown report category 'widgets'/);
});

test("instanceName follows Heka's <input>-<template>[-<token>] naming", () => {
  // The golden heka_report.json: LogstreamerInput stream 1.
  assert.equal(instanceName('nginx_access_logs', 'CombinedLogDecoder', 1), 'nginx_access_logs-CombinedLogDecoder-1');
  assert.equal(instanceName('nginx_access_logs', 'TokenSplitter', 1), 'nginx_access_logs-TokenSplitter-1');
  // No token (UdpInput, an output's encoder): no suffix.
  assert.equal(instanceName('udp_in', 'NullSplitter'), 'udp_in-NullSplitter');
  assert.equal(instanceName('LogOutput', 'PayloadEncoder', ''), 'LogOutput-PayloadEncoder');
  assert.equal(instanceName('proc', 'Dec', 'stderr'), 'proc-Dec-stderr');
});
