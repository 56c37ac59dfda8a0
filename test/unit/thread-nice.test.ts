// The data-plane threads' priority in the control plane: config key `threadNice` (validation with
// one-line errors, round trip) and the BRIDGEHEAD_THREAD_NICE override.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError, formatConfig, parseConfig } from '../../src/config';
import { THREAD_NICE_DEFAULT, threadNice } from '../../src/daemon/thread-nice';

function raw(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 1, name: 'site-a', listen: { address: '0.0.0.0', port: 51820 }, tap: 'bh0', ...extra };
}

test('config: threadNice is optional, an integer -20..19, and round-trips', () => {
  const plain = parseConfig(raw());
  assert.equal(plain.threadNice, undefined);
  assert.ok(!formatConfig(plain).includes('threadNice'), 'absent key stays absent');
  for (const v of [-20, -10, 0, 19]) {
    const c = parseConfig(raw({ threadNice: v }));
    assert.equal(c.threadNice, v);
    assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))), c);
  }
  for (const bad of [-21, 20, 1.5, '0', null, true]) {
    assert.throws(() => parseConfig(raw({ threadNice: bad })),
      (e: unknown) => e instanceof ConfigError && /threadNice: expected an integer from -20 to 19/.test(String(e)) && !String(e).includes('\n'),
      String(bad));
  }
});

test('threadNice: environment > config > default; a bad environment value is refused in one line', () => {
  assert.equal(THREAD_NICE_DEFAULT, -10);
  assert.equal(threadNice({}, {}), -10);
  assert.equal(threadNice({ threadNice: 3 }, {}), 3);
  assert.equal(threadNice({ threadNice: 3 }, { BRIDGEHEAD_THREAD_NICE: '0' }), 0);
  assert.equal(threadNice({}, { BRIDGEHEAD_THREAD_NICE: '-5' }), -5);
  assert.equal(threadNice({ threadNice: 3 }, { BRIDGEHEAD_THREAD_NICE: '' }), 3, 'empty = not given');
  for (const bad of ['x', '20', '-21', '1.5', ' 1', '0x1']) {
    assert.throws(() => threadNice({}, { BRIDGEHEAD_THREAD_NICE: bad }),
      (e: unknown) => e instanceof Error && e.message === `BRIDGEHEAD_THREAD_NICE=${JSON.stringify(bad)}: expected an integer from -20 to 19`, bad);
  }
});
