import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePeerMessage, encodePeerMessage, MAX_PEER_MESSAGE } from '../../src/control/peer-channel-messages';
import { TokenBucket } from '../../src/daemon/token-bucket';

test('peer-channel messages roundtrip', () => {
  for (const m of [{ t: 'hello', name: 'tenant-1' }, { t: 'welcome', name: 'provider' }] as const) {
    assert.deepEqual(decodePeerMessage(encodePeerMessage(m)), m);
  }
});

test('malformed, oversized and unknown peer-channel messages decode to null', () => {
  const bad = ['', 'null', '[]', '{"t":"hello"}', '{"t":"hello","name":"a b"}', '{"t":"nope","name":"x"}',
    '{"t":"hello","name":"' + 'x'.repeat(33) + '"}', '\u00ff\u00fe', '{"t":"hello","name":1}'];
  for (const s of bad) assert.equal(decodePeerMessage(Buffer.from(s, 'latin1')), null, s);
  assert.equal(decodePeerMessage(Buffer.alloc(MAX_PEER_MESSAGE + 1, 0x20)), null);
});

test('token bucket: burst, then the configured rate', () => {
  const b = new TokenBucket(10, 5);
  let ok = 0;
  for (let i = 0; i < 20; i++) if (b.take(1000)) ok++;
  assert.equal(ok, 5);
  assert.equal(b.take(1050), false);       // half a token
  assert.equal(b.take(1100), true);        // one token after 100 ms at 10/s
  let later = 0;
  for (let i = 0; i < 20; i++) if (b.take(11_000)) later++;
  assert.equal(later, 5);                  // capped at the burst
});
