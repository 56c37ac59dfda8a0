// Fuzz: messages on the authenticated peer channel (hello/welcome, neighbor sync, failover
// site/probe). The peer is authenticated but not trusted to be bug-free: any bytes decode to a
// message or to null (a counted drop), never throw; what decodes re-encodes to the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePeerMessage, encodePeerMessage, MAX_PEER_MESSAGE, type PeerMessage } from '../../src/control/peer-channel-messages';
import { byteEdits, fcParams, jsonEdits, mutateBytes, mutateJson, readSeed } from './fuzz-helpers';

const SEEDS = readSeed('peer-channel-messages.jsonl').trim().split('\n');

function check(data: Uint8Array): void {
  let m: PeerMessage | null;
  try {
    m = decodePeerMessage(data);
  } catch (e) {
    assert.fail(`decodePeerMessage threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  if (m === null) return;
  let enc: Buffer;
  try {
    enc = encodePeerMessage(m);
  } catch (e) { // a decoded message must be encodable within the size limit
    assert.fail(`encodePeerMessage of a decoded message threw ${(e as Error).message}: ${JSON.stringify(m)}`);
  }
  assert.ok(enc.length <= MAX_PEER_MESSAGE);
  assert.deepEqual(decodePeerMessage(enc), m);
}

test('fuzz peer-channel messages: the seeds round-trip', () => {
  for (const s of SEEDS) {
    const m = decodePeerMessage(Buffer.from(s));
    assert.ok(m, s);
    assert.deepEqual(decodePeerMessage(encodePeerMessage(m)), m);
  }
});

test('fuzz peer-channel messages: random bytes, byte edits and JSON edits of valid messages', () => {
  fc.assert(fc.property(fc.oneof(
    fc.uint8Array({ maxLength: 1300 }),
    fc.tuple(fc.constantFrom(...SEEDS), byteEdits).map(([s, e]) => mutateBytes(Buffer.from(s), e)),
    fc.tuple(fc.constantFrom(...SEEDS), jsonEdits).map(([s, e]) => Buffer.from(JSON.stringify(mutateJson(JSON.parse(s), e)) ?? '')),
  ), check), fcParams());
});
