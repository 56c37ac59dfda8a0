// rekeyAfterS / BRIDGEHEAD_REKEY_AFTER_S: validated, the environment wins, default 120 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatConfig, newConfig, parseConfig } from '../../src/config';
import { rekeyAfterMs } from '../../src/daemon/rekey-timer';

const base = (): Record<string, unknown> => JSON.parse(formatConfig(newConfig({ name: 'a', listen: { address: '0.0.0.0', port: 1 } })));

test('rekeyAfterS: default 120 s, config value, environment override', () => {
  assert.equal(rekeyAfterMs({}, {}), 120_000);
  const c = parseConfig({ ...base(), rekeyAfterS: 30 });
  assert.equal(c.rekeyAfterS, 30);
  assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))), c);
  assert.equal(rekeyAfterMs(c, {}), 30_000);
  assert.equal(rekeyAfterMs(c, { BRIDGEHEAD_REKEY_AFTER_S: '15' }), 15_000);
  assert.equal(rekeyAfterMs(c, { BRIDGEHEAD_REKEY_AFTER_S: '' }), 30_000);
});

test('rekeyAfterS: out of range or not an integer is refused with one line', () => {
  for (const v of [9, 121, 30.5, '30', null]) {
    assert.throws(() => parseConfig({ ...base(), rekeyAfterS: v }), (e: unknown) => e instanceof ConfigError && /rekeyAfterS: /.test(e.message), String(v));
  }
  for (const v of ['9', '121', '3e1', '-20', 'x', '30 ']) {
    assert.throws(() => rekeyAfterMs({}, { BRIDGEHEAD_REKEY_AFTER_S: v }), new RegExp(`BRIDGEHEAD_REKEY_AFTER_S=${JSON.stringify(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: expected an integer from 10 to 120`));
  }
});
