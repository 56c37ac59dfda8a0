// Tier 2: the data plane's mac1 check (setMac1Key, native/core/bh_mac1.h): initiations and
// responses whose mac1 is not for our key are dropped in the RX thread (drops.bad_mac1) and never
// become 'handshake' events; genuine ones and cookie replies pass; without a key nothing is
// checked; a new key (rotate-key) replaces the old one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import * as crypto from '../../src/control/crypto';
import { computeMac1, mac1Key } from '../../src/control/messages';
import { makeNode, waitFor } from './harness';

function message(type: number, size: number, receiverPublicKey: Uint8Array | null): Buffer {
  const m = randomBytes(size);
  m[0] = type, m[1] = m[2] = m[3] = 0;
  if (receiverPublicKey) m.set(computeMac1(m, receiverPublicKey), size - 32);
  return m;
}

test('forged initiations and responses end in the RX thread (bad_mac1); genuine ones and cookie replies pass', async () => {
  await crypto.ready();
  const ours = randomBytes(32), other = randomBytes(32);
  const a = makeNode();
  const b = makeNode();
  try {
    a.dp.start();
    b.dp.start();
    const drops = () => b.dp.stats().drops.bad_mac1 ?? 0;
    // no key yet: a forged initiation still reaches JS (the control plane's guard checks it)
    a.dp.sendRaw(b.ep, message(1, 164, null));
    await waitFor(() => b.events.length === 1, 'unchecked initiation delivered');
    assert.equal(drops(), 0);

    b.dp.setMac1Key(mac1Key(ours));
    a.dp.sendRaw(b.ep, message(1, 164, null));       // random mac1
    a.dp.sendRaw(b.ep, message(2, 92, null));
    a.dp.sendRaw(b.ep, message(1, 164, other));      // a real mac1, for someone else's key
    await waitFor(() => drops() === 3, 'three forged handshakes dropped');
    a.dp.sendRaw(b.ep, message(1, 164, ours));
    a.dp.sendRaw(b.ep, message(2, 92, ours));
    a.dp.sendRaw(b.ep, message(3, 64, null));        // cookie reply: no mac1 to check
    await waitFor(() => b.events.length === 4, 'genuine handshakes and the cookie reply delivered');
    assert.deepEqual(b.events.slice(1).map((e) => (e.type === 'handshake' ? e.data[0] : -1)), [1, 2, 3]);
    assert.equal(drops(), 3);
    assert.equal(b.dp.stats().global.handshakeQueued, 4);

    b.dp.setMac1Key(mac1Key(other));                 // rotate-key: the old key's mac1 no longer passes
    a.dp.sendRaw(b.ep, message(1, 164, ours));
    a.dp.sendRaw(b.ep, message(1, 164, other));
    await waitFor(() => b.events.length === 5 && drops() === 4, 'new key in force');
    assert.throws(() => b.dp.setMac1Key(new Uint8Array(31)), /exactly 32 bytes/);
  } finally {
    a.dp.stop();
    b.dp.stop();
  }
});
