// config `topology` (src/config/topology-config.ts): hub / mesh, absent = mesh (two-site configs
// unchanged), a bad value is one clear line, `init --topology` writes it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/errors';
import { formatConfig, newConfig, parseConfig } from '../../src/config/config';
import { relays } from '../../src/config/topology-config';
import { loadConfig } from '../../src/config/store';
import { rm, run, tmpDir } from './cli-helpers';

const base = () => ({ version: 1, name: 'hub-c', listen: { address: '198.18.0.1', port: 51820 } });

test('topology: hub and mesh parse and round-trip; absent stays absent (mesh, no relay)', () => {
  for (const t of ['hub', 'mesh'] as const) {
    const c = parseConfig({ ...base(), topology: t });
    assert.equal(c.topology, t);
    assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))), c);
    assert.equal(relays(c.topology), t === 'hub');
  }
  const plain = parseConfig(base());
  assert.equal(plain.topology, undefined);
  assert.ok(!formatConfig(plain).includes('topology'), 'a two-site config is written unchanged');
  assert.equal(relays(plain.topology), false);
  assert.equal(newConfig({ name: 'x', listen: { address: '198.18.0.1', port: 1 }, topology: 'hub' }).topology, 'hub');
});

test('topology: a bad value is one line naming the choices', () => {
  for (const bad of ['star', 'Hub', 1, true, null]) {
    assert.throws(() => parseConfig({ ...base(), topology: bad }), (e: unknown) =>
      e instanceof ConfigError && /^bridgehead\.json: topology: must be one of mesh, hub/.test(e.message) && !e.message.includes('\n'));
  }
});

test('init --topology hub writes it; a wrong value is a usage error', async () => {
  const d = tmpDir();
  try {
    const r = await run(['init', '--config', d, '--name', 'hub-c', '--listen', '198.18.0.1:51820', '--topology', 'hub']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(loadConfig(d).topology, 'hub');
    const bad = await run(['init', '--config', d, '--name', 'x', '--listen', '198.18.0.1:51820', '--topology', 'ring', '--force']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--topology.*must be one of mesh, hub/);
  } finally { rm(d); }
});
