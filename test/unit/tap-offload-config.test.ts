// TAP offloads and jumbo frames in the control plane: config keys `tapOffload` and
// `mtu.maxFrameSize` (validation with one-line errors, round trip), the BRIDGEHEAD_TAP_OFFLOAD
// override, the TAP MTU that follows the frame size, and the status lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError, formatConfig, parseConfig } from '../../src/config';
import { TAP_OFFLOAD_DEFAULT, tapOffloadEnabled } from '../../src/daemon/tap-offload';
import { tapMtuFor } from '../../src/daemon/tap-mtu';
import { formatStatus, formatTapOffload } from '../../src/cli/status-format';
import { MAX_FRAME_SIZE_DEFAULT } from '../../src/config/mtu-config';

function raw(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 1, name: 'site-a', listen: { address: '0.0.0.0', port: 51820 }, tap: 'bh0', ...extra };
}

test('config: tapOffload is optional, boolean, and round-trips', () => {
  const plain = parseConfig(raw());
  assert.equal(plain.tapOffload, undefined);
  assert.ok(!formatConfig(plain).includes('tapOffload'), 'absent key stays absent');
  for (const v of [true, false]) {
    const c = parseConfig(raw({ tapOffload: v }));
    assert.equal(c.tapOffload, v);
    assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))), c);
  }
  assert.throws(() => parseConfig(raw({ tapOffload: 'on' })),
    (e: unknown) => e instanceof ConfigError && /tapOffload: expected true or false: "on"/.test(String(e)) && !String(e).includes('\n'));
});

test('config: mtu.maxFrameSize 1514..9022, optional, round-trips; errors name the value', () => {
  assert.equal(parseConfig(raw({ mtu: { pathMtu: null } })).mtu?.maxFrameSize, undefined);
  const c = parseConfig(raw({ mtu: { pathMtu: null, mssClamp: false, maxFrameSize: 9018 } }));
  assert.equal(c.mtu?.maxFrameSize, 9018);
  assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))), c);
  assert.ok(!formatConfig(parseConfig(raw({ mtu: { pathMtu: 1400 } }))).includes('maxFrameSize'));
  for (const bad of [1513, 9023, 9000.5, '9000', null]) {
    assert.throws(() => parseConfig(raw({ mtu: { maxFrameSize: bad } })),
      (e: unknown) => e instanceof ConfigError && /mtu\.maxFrameSize: expected an integer 1514\.\.9022/.test(String(e)), String(bad));
  }
  assert.equal(MAX_FRAME_SIZE_DEFAULT, 1522);
});

test('tapOffloadEnabled: environment > config > default', () => {
  assert.equal(tapOffloadEnabled({}, {}), TAP_OFFLOAD_DEFAULT);
  assert.equal(tapOffloadEnabled({ tapOffload: true }, {}), true);
  assert.equal(tapOffloadEnabled({ tapOffload: false }, {}), false);
  assert.equal(tapOffloadEnabled({ tapOffload: false }, { BRIDGEHEAD_TAP_OFFLOAD: '1' }), true);
  assert.equal(tapOffloadEnabled({ tapOffload: true }, { BRIDGEHEAD_TAP_OFFLOAD: '0' }), false);
  assert.equal(tapOffloadEnabled({ tapOffload: false }, { BRIDGEHEAD_TAP_OFFLOAD: 'on' }), true);
  assert.throws(() => tapOffloadEnabled({ tapOffload: true }, { BRIDGEHEAD_TAP_OFFLOAD: 'bogus' }),
    /^Error: BRIDGEHEAD_TAP_OFFLOAD="bogus": expected 1, 0, true, false, on or off$/);
});

test('TAP MTU: untouched up to the default frame size, frame size - 18 above it', () => {
  assert.equal(tapMtuFor(1514), null);
  assert.equal(tapMtuFor(1522), null);
  assert.equal(tapMtuFor(9018), 9000);
  assert.equal(tapMtuFor(9022), 9004);
});

test('status: tap offload and max frame size lines', () => {
  const o = { gso: 1, gro: 1, gsoSends: 0, groBuffers: 0 };
  assert.equal(formatTapOffload({ ...o, tso: 1, tsoFrames: 12 }), 'tso on (12 super-frames)');
  assert.equal(formatTapOffload({ ...o, tso: 0, tsoFrames: 0 }), 'tso off');
  assert.equal(formatTapOffload({ ...o, tso: 1, tsoFrames: 2, mergedWrites: 5, udpMerge: 1 }), 'tso on (2 super-frames), merged writes 5 (tcp+udp)');
  assert.equal(formatTapOffload({ ...o, tso: 1, tsoFrames: 1, mergedWrites: 0, udpMerge: 0 }), 'tso on (1 super-frame), merged writes 0 (tcp)');
  assert.equal(formatTapOffload({ ...o, tso: 0, tsoFrames: 0, mergedWrites: 0, udpMerge: 0 }), 'tso off');
  const s = {
    name: 'a', publicKey: 'k', listen: '0.0.0.0:1', tap: 'bh0', bridge: null, uptimeMs: 1000, peers: [],
    totals: { rxDatagrams: 0, rxBytes: 0, txDatagrams: 0, txBytes: 0, tapRxFrames: 0, tapTxFrames: 0, floods: 0 },
    drops: {}, macTable: { size: 0, capacity: 1, learned: 0, moved: 0, full: 0, aged: 0 }, events: { dropped: 0 },
    offload: { ...o, tso: 1, tsoFrames: 3 }, maxFrameSize: 9018,
  };
  const text = formatStatus(s);
  assert.match(text, /\n {2}tap offload: tso on \(3 super-frames\)\n/);
  assert.match(text, /\n {2}max frame size: 9,?018 bytes\n/);
});
