// Tier 2: what the receive path drops, and why. A fake peer (node dgram) sits between A and B as
// a relay: it captures the real datagrams A sends, then replays, corrupts or forges datagrams to B.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { FakePeer, Pair, fakePeer, frame, mac, makePair, openData, sealData, waitFor } from './harness';

const H1 = mac(0x11);
const H2 = mac(0x12);

describe('receive path: authentication, replay and malformed datagrams', () => {
  let p: Pair;
  let relay: FakePeer;
  let captured: Buffer;
  const f1 = frame(H2, H1, 120, 9);

  before(async () => {
    p = await makePair();
    relay = await fakePeer();
    p.a.dp.setEndpoint(1, relay.ep); // A now sends to the relay
    p.a.dp.testWriteFrame(f1);
    captured = (await waitFor(() => relay.got[0], 'the relay captures A -> B')).data;
  });
  after(() => {
    relay.close();
    p.close();
  });

  const drops = () => p.b.dp.stats().drops;

  test('the captured datagram has the documented wire format (decrypted in JS)', () => {
    assert.equal(captured.length, 16 + f1.length + 16);
    assert.equal(captured[0], 4);
    assert.equal(captured.readUInt16LE(2), 0, 'reserved');
    const d = openData(p.session.aToB, captured);
    assert.ok(d, 'opens with A->B key, nonce = 0^4 || counter LE, AAD = header');
    assert.equal(d.subtype, 0);
    assert.equal(d.receiver, p.session.bIndex);
    assert.deepEqual(d.pt, f1);
  });

  test('relayed datagram is delivered and B roams to the relay (endpoint event)', async () => {
    await relay.send(captured, p.b.ep);
    assert.deepEqual(p.b.dp.testReadFrame(2000), f1);
    const ev = await waitFor(() => p.b.events.find((e) => e.type === 'endpoint'), 'endpoint event');
    assert.deepEqual(ev, { type: 'endpoint', peer: 1, endpoint: relay.ep });
    assert.deepEqual(p.b.dp.stats().peers[0].endpoint, relay.ep);
  });

  test('the same datagram again is dropped as replay', async () => {
    const before = drops().replay;
    await relay.send(captured, p.b.ep);
    await waitFor(() => drops().replay === before + 1, 'replay counted');
    assert.equal(p.b.dp.testReadFrame(100), null);
  });

  test('one flipped bit (ciphertext, tag or header) fails authentication', async () => {
    const before = drops().auth_failed;
    const positions = [1 /* subtype: AAD */, 8 /* counter */, 20 /* ciphertext */, captured.length - 1 /* tag */];
    for (const pos of positions) {
      const bad = Buffer.from(captured);
      bad[pos] ^= pos === 1 ? 0x02 : 0x01;
      await relay.send(bad, p.b.ep);
    }
    await waitFor(() => drops().auth_failed === before + positions.length, 'auth_failed counted');
    assert.equal(p.b.dp.testReadFrame(100), null);
  });

  test('garbage, short, bad-type, bad-size and unknown-index datagrams are counted', async () => {
    const d0 = drops();
    const data = (len: number, type = 4) => {
      const b = Buffer.alloc(len, 0xa5);
      b[0] = type;
      b.fill(0, 1, 4);
      return b;
    };
    const reserved = data(64);
    reserved[3] = 1;
    const unknown = data(64);
    unknown.writeUInt32LE(0xdeadbeef, 4);
    const cases: [Buffer, keyof typeof d0][] = [
      [Buffer.alloc(0), 'short'],
      [Buffer.from([4, 0, 0]), 'short'],
      [data(31), 'short'],
      [data(64, 9), 'bad_type'],
      [data(64, 5), 'bad_type'],
      [data(65, 3), 'bad_size'], // type 3 is a cookie reply: exactly 64 bytes
      [reserved, 'bad_type'],
      [data(100, 1), 'bad_size'],
      [data(93, 2), 'bad_size'],
      [unknown, 'unknown_index'],
      [Buffer.alloc(3000, 4), 'bad_size'], // larger than any valid datagram (truncated on receive)
    ];
    for (const [d] of cases) await relay.send(d, p.b.ep);
    const want: Record<string, number> = {};
    for (const [, r] of cases) want[r] = (want[r] ?? 0) + 1;
    await waitFor(() => Object.entries(want).every(([r, n]) => drops()[r] - d0[r] === n), JSON.stringify(want));
    assert.equal(p.b.events.filter((e) => e.type === 'handshake').length, 0, 'no handshake events for garbage');
  });

  test('a frame sealed in JS is accepted; an unknown subtype is dropped after authentication', async () => {
    const good = frame(H2, H1, 80, 3);
    await relay.send(sealData(p.session.aToB, p.session.bIndex, 1000n, 0, good), p.b.ep);
    assert.deepEqual(p.b.dp.testReadFrame(2000), good);
    const before = drops().bad_subtype;
    await relay.send(sealData(p.session.aToB, p.session.bIndex, 1001n, 7, good), p.b.ep);
    await waitFor(() => drops().bad_subtype === before + 1, 'bad_subtype counted');
    // an authenticated packet whose plaintext is not Ethernet
    const b0 = drops().peer_frame_invalid;
    await relay.send(sealData(p.session.aToB, p.session.bIndex, 1002n, 0, Buffer.alloc(10)), p.b.ep);
    await waitFor(() => drops().peer_frame_invalid === b0 + 1, 'peer_frame_invalid counted');
  });

  test('a keepalive authenticates (rx counters move) but writes nothing to the TAP', async () => {
    const rx0 = p.b.dp.stats().peers[0].rxBytes;
    const tap0 = p.b.dp.stats().global.tapTxFrames;
    await relay.send(sealData(p.session.aToB, p.session.bIndex, 1003n, 1, Buffer.alloc(0)), p.b.ep);
    await waitFor(() => p.b.dp.stats().peers[0].rxBytes === rx0 + 32, 'keepalive counted');
    assert.equal(p.b.dp.stats().global.tapTxFrames, tap0);
  });
});
