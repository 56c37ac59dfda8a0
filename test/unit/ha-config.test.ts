import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatConfig, newConfig, parseConfig } from '../../src/config/config';

const SECRET = Buffer.alloc(32, 7).toString('base64');
const base = () => JSON.parse(formatConfig(newConfig({ name: 'prov', listen: { address: '0.0.0.0', port: 51820 } })));
const ha = (extra: object = {}) => ({ member: 'prov-a', listen: '198.18.2.2', peer: '198.18.2.3:19481', secret: SECRET,
  vrrpId: 51, vrrpInterface: 'wan0', ...extra });

test('ha section: defaults, canonical addresses, round trip', () => {
  const c = parseConfig({ ...base(), ha: ha() });
  assert.deepEqual(c.ha, { enabled: true, member: 'prov-a', listen: '198.18.2.2:19481', peer: '198.18.2.3:19481',
    secret: SECRET, vrrpId: 51, priority: 100, preempt: false, vrrpInterface: 'wan0', virtualAddress: null,
    advertIntervalMs: 500 });
  assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))).ha, c.ha);
  const v6 = parseConfig({ ...base(), ha: ha({ listen: 'fd00::2', peer: '[fd00::3]:4000', virtualAddress: '198.18.1.10/24' }) });
  assert.equal(v6.ha?.listen, '[fd00::2]:19481');
  assert.equal(v6.ha?.virtualAddress, '198.18.1.10/24');
  assert.equal(parseConfig(base()).ha, undefined);
});

test('ha section: each bad field is one line naming it; the secret is never echoed', () => {
  const cases: Array<[object, RegExp]> = [
    [ha({ member: 'a b' }), /ha\.member/],
    [ha({ listen: '0.0.0.0' }), /ha\.listen: must be this LAN address/],
    [ha({ peer: '198.18.2.2' }), /ha\.peer: must differ/],
    [ha({ peer: 'fd00::3' }), /ha\.peer: must be the same address family/],
    [ha({ peer: 'host.example:1' }), /ha\.peer/],
    [ha({ vrrpId: 0 }), /ha\.vrrpId: must be 1\.\.255/],
    [ha({ priority: 255 }), /ha\.priority: must be 1\.\.254/],
    [ha({ preempt: 'no' }), /ha\.preempt: expected true or false/],
    [ha({ vrrpInterface: 'a/b' }), /ha\.vrrpInterface/],
    [ha({ virtualAddress: '198.18.1.10/33' }), /ha\.virtualAddress: prefix length/],
    [ha({ advertIntervalMs: 55 }), /ha\.advertIntervalMs: must be 100\.\.10000/],
    [ha({ advertIntervalMs: 155 }), /multiple of 10/],
    [ha({ extra: 1 }), /ha\.extra: unknown field/],
    [{ ...ha(), secret: undefined }, /ha\.secret: missing/],
  ];
  for (const [h, re] of cases) {
    assert.throws(() => parseConfig({ ...base(), ha: h }), (e: Error) => re.test(e.message) && !e.message.includes('\n'), JSON.stringify(h));
  }
  const bad = 'c2VjcmV0LXRoYXQtaXMtbm90LTMyLWJ5dGVz';
  assert.throws(() => parseConfig({ ...base(), ha: ha({ secret: bad }) }), (e: Error) => /ha\.secret/.test(e.message) && !e.message.includes(bad));
});
