import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatConfig, newConfig, parseConfig } from '../../src/config/config';
import { configuredPathMtu } from '../../src/daemon/pmtu-driver';

const base = () => JSON.parse(formatConfig(newConfig({ name: 'site-a', listen: { address: '0.0.0.0', port: 51820 } })));

test('mtu section: absent = discover from the default, no clamping', () => {
  const c = parseConfig(base());
  assert.equal(c.mtu, undefined);
  assert.deepEqual(configuredPathMtu(c), { pathMtu: 1280, source: 'default' });
});

test('mtu section: pinned path MTU and mssClamp round-trip through formatConfig', () => {
  const c = parseConfig({ ...base(), mtu: { pathMtu: 1400, mssClamp: true } });
  assert.deepEqual(c.mtu, { pathMtu: 1400, mssClamp: true });
  assert.deepEqual(configuredPathMtu(c), { pathMtu: 1400, source: 'pinned' });
  assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))).mtu, c.mtu);
  assert.deepEqual(parseConfig({ ...base(), mtu: { pathMtu: null } }).mtu, { pathMtu: null, mssClamp: false });
});

test('mtu section: invalid values are config errors', () => {
  for (const mtu of [{ pathMtu: 575 }, { pathMtu: 65536 }, { pathMtu: 1400.5 }, { pathMtu: '1400' }, { mssClamp: 1 }, { jumbo: true }, 5, null]) {
    assert.throws(() => parseConfig({ ...base(), mtu }), /mtu/, JSON.stringify(mtu));
  }
});
