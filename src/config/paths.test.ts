import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveBasePath, resolveSharePath } from './paths.js';

const g = { share_dir: '/usr/share/heka', base_dir: '/var/cache/hekad' };

test('relative paths resolve against share_dir / base_dir; absolute ones are kept', () => {
  assert.equal(resolveSharePath(g, 'lua_filters/http_status.lua'), '/usr/share/heka/lua_filters/http_status.lua');
  assert.equal(resolveSharePath(g, '/opt/x.lua'), '/opt/x.lua');
  assert.equal(resolveBasePath(g, 'output_queue/tcp'), '/var/cache/hekad/output_queue/tcp');
  assert.equal(resolveBasePath(g, '/data/journal'), '/data/journal');
  assert.equal(resolveBasePath(g, './x/../y'), '/var/cache/hekad/y');
  assert.equal(resolveBasePath(g, ''), '/var/cache/hekad');
});
