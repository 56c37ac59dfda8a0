// The fair-queue switch: config key `fairQueue`, BRIDGEHEAD_FQ override, and the status line.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError, formatConfig, parseConfig } from '../../src/config';
import { FAIR_QUEUE_DEFAULT, fairQueueEnabled } from '../../src/daemon/fair-queue';
import { formatFq } from '../../src/cli/status-format';

function raw(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 1, name: 'site-a', listen: { address: '0.0.0.0', port: 51820 }, tap: 'bh0', ...extra };
}

test('config: fairQueue is optional, boolean, and round-trips', () => {
  const plain = parseConfig(raw());
  assert.equal(plain.fairQueue, undefined);
  assert.ok(!formatConfig(plain).includes('fairQueue'), 'absent key stays absent');
  for (const v of [true, false]) {
    const c = parseConfig(raw({ fairQueue: v }));
    assert.equal(c.fairQueue, v);
    assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))), c);
  }
  assert.throws(() => parseConfig(raw({ fairQueue: 'yes' })), (e: unknown) => e instanceof ConfigError && /fairQueue/.test(String(e)));
});

test('fairQueueEnabled: environment > config > default', () => {
  assert.equal(fairQueueEnabled({}, {}), FAIR_QUEUE_DEFAULT);
  assert.equal(fairQueueEnabled({ fairQueue: true }, {}), true);
  assert.equal(fairQueueEnabled({ fairQueue: false }, {}), false);
  assert.equal(fairQueueEnabled({ fairQueue: false }, { BRIDGEHEAD_FQ: '1' }), true);
  assert.equal(fairQueueEnabled({ fairQueue: true }, { BRIDGEHEAD_FQ: '0' }), false);
  assert.equal(fairQueueEnabled({ fairQueue: true }, { BRIDGEHEAD_FQ: '' }), true);
  assert.throws(() => fairQueueEnabled({ fairQueue: true }, { BRIDGEHEAD_FQ: 'yes please' }), /BRIDGEHEAD_FQ="yes please"/);
});

test('status: fair queue line', () => {
  assert.equal(formatFq({ enabled: false, backlogFrames: 0, backlogBytes: 0, codelDrops: 0, overflowDrops: 0 }), 'off');
  assert.equal(
    formatFq({ enabled: true, backlogFrames: 12, backlogBytes: 18000, codelDrops: 3, overflowDrops: 0 }),
    'on, 12 frames (17.58 KiB) queued, 3 codel drops, 0 overflow drops',
  );
});
