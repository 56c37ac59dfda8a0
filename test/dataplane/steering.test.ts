// Tier 2: the multi-tenant provider's one UDP port (docs/INTERNALS.md section 9). Three data
// planes join one SO_REUSEPORT group on 127.0.0.1 (front, tenant slot 1, tenant slot 2); the
// steering program picks the socket by the top byte of the receiver index. Two tenant sites with
// overlapping MACs talk to their tenant only; initiations and unknown slots reach the front;
// mis-steered data is a counted drop; the kernel's reordering when a socket leaves is mirrored.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as crypto from 'node:crypto';

import { addon, BROADCAST, LOCALHOST, frame, mac, makeNode, waitFor, sleep, sealData, type Node } from './harness';
import type { DataPlane, NativeEvent } from '../../src/dataplane/types';

function member(port: number): Node {
  const events: NativeEvent[] = [];
  const dp = new addon.DataPlane({
    tap: { socketpair: true }, listen: { address: LOCALHOST, port }, reusePort: true, onEvent: (ev) => events.push(ev),
  });
  return { dp, events, ep: { address: LOCALHOST, port: dp.port } };
}

interface Keys { provIndex: number; siteIndex: number; toProv: Buffer; toSite: Buffer }
function keys(slot: number): Keys {
  return { provIndex: (slot << 24) | crypto.randomInt(1, 1 << 24), siteIndex: crypto.randomInt(1, 1 << 24),
    toProv: crypto.randomBytes(32), toSite: crypto.randomBytes(32) };
}
function pairUp(prov: DataPlane, site: DataPlane, provEp: { address: string; port: number }, siteEp: { address: string; port: number }, k: Keys): void {
  prov.addPeer(1, siteEp);
  site.addPeer(1, provEp);
  site.installKeypair(1, { localIndex: k.siteIndex, remoteIndex: k.provIndex, sendKey: k.toProv, recvKey: k.toSite, initiator: true });
  prov.installKeypair(1, { localIndex: k.provIndex, remoteIndex: k.siteIndex, sendKey: k.toSite, recvKey: k.toProv, initiator: false });
}

describe('one UDP port for several tenants (reuseport + steering)', () => {
  let front: Node, t1: Node, t2: Node, s1: Node, s2: Node;
  let k1: Keys, k2: Keys;
  let raw: dgram.Socket;
  const send = (b: Buffer) => new Promise<void>((r) => raw.send(b, front.ep.port, LOCALHOST, () => r()));
  before(async () => {
    front = member(0);
    t1 = member(front.ep.port);
    t2 = member(front.ep.port);
    front.dp.setSteering(0, [[1, 1], [2, 2]]);
    s1 = makeNode();
    s2 = makeNode();
    k1 = keys(1);
    k2 = keys(2);
    pairUp(t1.dp, s1.dp, front.ep, s1.ep, k1);
    pairUp(t2.dp, s2.dp, front.ep, s2.ep, k2);
    for (const n of [front, t1, t2, s1, s2]) n.dp.start();
    raw = dgram.createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, LOCALHOST, () => r()));
  });
  after(() => {
    raw.close();
    for (const n of [front, t1, t2, s1, s2]) n.dp.stop();
  });

  test('the members share the port', () => {
    assert.equal(t1.ep.port, front.ep.port);
    assert.equal(t2.ep.port, front.ep.port);
  });

  test('each site reaches only its tenant, with the same MACs on both', async () => {
    const f1 = frame(BROADCAST, mac(0x10), 80, 1);
    const f2 = frame(BROADCAST, mac(0x10), 80, 2); // same source MAC, other tenant
    for (let i = 0; i < 20; i++) { s1.dp.testWriteFrame(f1); s2.dp.testWriteFrame(f2); }
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(t1.dp.testReadFrame(2000), f1, `tenant 1 frame ${i}`);
      assert.deepEqual(t2.dp.testReadFrame(2000), f2, `tenant 2 frame ${i}`);
    }
    assert.equal(t1.dp.testReadFrame(100), null, 'nothing more at tenant 1');
    assert.equal(t2.dp.testReadFrame(100), null, 'nothing more at tenant 2');
    assert.equal(front.dp.stats().global.rxDatagrams, 0, 'the front saw no data');
    assert.equal(t1.dp.stats().drops.unknown_index ?? 0, 0);
    assert.equal(t2.dp.stats().drops.unknown_index ?? 0, 0);
    // and back: the answers leave from the shared port
    const back = frame(mac(0x10), mac(0x20), 70, 3);
    t2.dp.testWriteFrame(back);
    assert.deepEqual(s2.dp.testReadFrame(2000), back);
    assert.equal(s1.dp.testReadFrame(100), null);
  });

  test('initiations go to the front, never to a tenant', async () => {
    const init = Buffer.alloc(164);
    init[0] = 1;
    init.writeUInt32LE(0x01000005, 4); // a "slot 1" sender index must not matter
    await send(init);
    await waitFor(() => front.events.find((e) => e.type === 'handshake'), 'front gets the initiation');
    assert.equal(t1.events.filter((e) => e.type === 'handshake').length, 0);
    assert.equal(t2.events.filter((e) => e.type === 'handshake').length, 0);
  });

  test('a response is steered by its receiver index (offset 8)', async () => {
    const resp = Buffer.alloc(92);
    resp[0] = 2;
    resp.writeUInt32LE(0x01000009, 4); // sender (tenant 1's slot): ignored
    resp.writeUInt32LE(0x0200000a, 8); // receiver: tenant 2
    await send(resp);
    await waitFor(() => t2.events.find((e) => e.type === 'handshake'), 'tenant 2 gets the response');
    assert.equal(t1.events.filter((e) => e.type === 'handshake').length, 0);
  });

  test('forged data: wrong slot and unknown slot are counted drops where they land', async () => {
    // sealed with tenant 1's key but carrying a slot-2 index: tenant 2 has no such index
    const forged = sealData(k1.toProv, (2 << 24) | (k1.provIndex & 0xffffff), 1000n, 0, frame(BROADCAST, mac(0x11), 60, 9));
    const d2 = t2.dp.stats().drops.unknown_index ?? 0;
    await send(forged);
    await waitFor(() => (t2.dp.stats().drops.unknown_index ?? 0) === d2 + 1, 'tenant 2 counts unknown_index');
    const unknownSlot = sealData(k1.toProv, (9 << 24) | 1, 1n, 0, Buffer.alloc(60));
    const d0 = front.dp.stats().drops.unknown_index ?? 0;
    await send(unknownSlot);
    await waitFor(() => (front.dp.stats().drops.unknown_index ?? 0) === d0 + 1, 'front counts the unknown slot');
    await send(Buffer.from([4, 0, 0])); // too short to steer: front
    await waitFor(() => Object.values(front.dp.stats().drops).reduce((a, b) => a + b, 0) >= d0 + 2, 'front counts the runt');
    assert.equal(t1.dp.testReadFrame(100), null, 'tenant 1 delivered nothing forged');
    assert.equal(t2.dp.testReadFrame(100), null, 'tenant 2 delivered nothing forged');
  });

  test('a member leaves: the last socket takes its position, and the new program follows', async () => {
    t1.dp.stop(); // position 1 leaves; the kernel moves t2 (position 2) into position 1
    front.dp.setSteering(0, [[2, 1]]);
    await sleep(20);
    const f = frame(BROADCAST, mac(0x30), 90, 4);
    s2.dp.testWriteFrame(f);
    assert.deepEqual(t2.dp.testReadFrame(2000), f, 'tenant 2 still reached');
  });

  test('bad arguments', () => {
    assert.throws(() => front.dp.setSteering(0, [[256, 1]]), /slot/);
    assert.throws(() => front.dp.setSteering(0, [[1, 1], [1, 2]]), { code: 'ERR_DUPLICATE' });
    assert.throws(() => front.dp.setSteering(0, [[1] as unknown as [number, number]]), TypeError);
    const plain = makeNode();
    assert.throws(() => plain.dp.setSteering(0, []), { code: 'ERR_INVALID_ARG_VALUE' });
    plain.dp.stop();
    assert.throws(() => t1.dp.setSteering(0, []), { code: 'ERR_DATAPLANE_STOPPED' });
  });
});
