// rotate-key (src/daemon/key-rotation.ts): the 'key-rotate'/'key-ack' messages' strict validation,
// the registry's key index following a changed key, and two KeyRotation instances (two sites, each
// with its own config directory) wired through fake data planes: the announcing side writes its new
// private key only after the ack, the other side's bridgehead.json holds the new key.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { rm, run, tmpDir } from './cli-helpers';
import { decodePeerMessage, encodePeerMessage } from '../../src/control/peer-channel-messages';
import * as crypto from '../../src/control/crypto';
import { loadConfig, loadPrivateKey, updateConfig } from '../../src/config/store';
import { PeerRegistry } from '../../src/daemon/peer-registry';
import { syncPeersFromConfig } from '../../src/daemon/peer-sync';
import { KeyRotation } from '../../src/daemon/key-rotation';
import type { DataPlane } from '../../src/dataplane/types';
import { mac1Key } from '../../src/control/messages';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const KEY = Buffer.alloc(32, 7).toString('base64');

test('key-rotate / key-ack: roundtrip; anything not exactly {t, publicKey: canonical base64 of 32 non-zero bytes} is refused', () => {
  for (const m of [{ t: 'key-rotate', publicKey: KEY }, { t: 'key-ack', publicKey: KEY }] as const) {
    assert.deepEqual(decodePeerMessage(encodePeerMessage(m)), m);
  }
  const bad = [
    { t: 'key-rotate' }, { t: 'key-rotate', publicKey: 1 }, { t: 'key-rotate', publicKey: '' },
    { t: 'key-rotate', publicKey: Buffer.alloc(31, 7).toString('base64') },
    { t: 'key-rotate', publicKey: Buffer.alloc(33, 7).toString('base64') },
    { t: 'key-rotate', publicKey: Buffer.alloc(32, 0).toString('base64') },
    { t: 'key-rotate', publicKey: KEY.replace(/=$/, '') },
    { t: 'key-rotate', publicKey: `${KEY.slice(0, 42)}B=` },  // non-canonical trailing bits
    { t: 'key-rotate', publicKey: KEY.replace(/^B/, '!') },
    { t: 'key-rotate', publicKey: KEY, extra: 1 },
    { t: 'key-ack', publicKey: [KEY] },
  ];
  for (const o of bad) assert.equal(decodePeerMessage(Buffer.from(JSON.stringify(o))), null, JSON.stringify(o));
  assert.equal(decodePeerMessage(Buffer.from(JSON.stringify([{ t: 'key-ack', publicKey: KEY }]))), null);
});

test('registry: changeKey moves the key index; a key held by another peer is refused', () => {
  const r = new PeerRegistry();
  const mk = (n: number) => r.add({ name: `p${n}`, publicKey: new Uint8Array(32).fill(n), psk: new Uint8Array(32),
    configuredEndpoint: null, endpoint: null, persistentKeepaliveMs: 0, provisional: null });
  const a = mk(1);
  const b = mk(2);
  const k = new Uint8Array(32).fill(9);
  r.changeKey(a, k);
  assert.equal(r.byPublicKey(k), a);
  assert.equal(r.byPublicKey(new Uint8Array(32).fill(1)), undefined);
  assert.equal(a.publicKeyB64, Buffer.from(k).toString('base64'));
  assert.throws(() => r.changeKey(b, k), /already has public key/);
  assert.equal(r.byPublicKey(new Uint8Array(32).fill(2)), b);
  r.remove(a.id);
  assert.equal(r.byPublicKey(k), undefined);
});

test('rotation between two sites: the peer stores the new key and acks, then the new private key is written', async () => {
  await crypto.ready();
  const dirA = tmpDir();
  const dirB = tmpDir();
  try {
    assert.equal((await run(['init', '--config', dirA, '--name', 'a', '--listen', '0.0.0.0:51820'])).code, 0);
    assert.equal((await run(['init', '--config', dirB, '--name', 'b', '--listen', '0.0.0.0:51821'])).code, 0);
    const pubOf = (d: string) => Buffer.from(crypto.publicKey(loadPrivateKey(d))).toString('base64');
    const oldA = pubOf(dirA);
    const peer = (name: string, publicKey: string) => ({ name, publicKey, endpoint: '198.18.0.9:1',
      psk: Buffer.alloc(32, 9).toString('base64'), persistentKeepaliveS: 0, addedAt: '2026-01-01T00:00:00.000Z' });
    updateConfig(dirA, (c) => ({ ...c, peers: [peer('b', pubOf(dirB)), peer('gone', Buffer.alloc(32, 3).toString('base64'))] }));
    updateConfig(dirB, (c) => ({ ...c, peers: [peer('a', oldA)] }));
    const regA = new PeerRegistry();
    const regB = new PeerRegistry();
    const sides: { rot?: KeyRotation; reg: PeerRegistry }[] = [{ reg: regA }, { reg: regB }];
    const mac1Keys: string[] = []; // what A's data plane was told to check mac1 against
    const dpFor = (self: number): DataPlane => ({
      setMac1Key: (k: Uint8Array) => { if (self === 0) mac1Keys.push(Buffer.from(k).toString('hex')); },
      addPeer: () => undefined, setEndpoint: () => undefined, setPathMtu: () => undefined,
      // only A's peer 'b' is connected
      stats: () => ({ peers: regA.all().map((p) => ({ id: p.id, currentKey: p.name === 'b' ? { localIndex: 1, ageMs: 0, sendCounter: 0 } : null })) }),
      sendControl: (_id: number, data: Buffer) => {
        const other = sides[1 - self];
        const from = other.reg.all()[0]; // each side's first peer is the other site
        const m = decodePeerMessage(data);
        setImmediate(() => {
          if (m?.t === 'key-rotate') other.rot!.onAnnounce(from, m.publicKey);
          if (m?.t === 'key-ack') other.rot!.onAck(from, m.publicKey);
        });
      },
    }) as unknown as DataPlane;
    const dpA = dpFor(0);
    const dpB = dpFor(1);
    await syncPeersFromConfig({ config: loadConfig(dirA), registry: regA, dp: dpA, log: silent });
    await syncPeersFromConfig({ config: loadConfig(dirB), registry: regB, dp: dpB, log: silent });
    const privA = loadPrivateKey(dirA);
    const identity = { privateKey: privA, publicKey: crypto.publicKey(privA) };
    const initiated: string[] = [];
    sides[0].rot = new KeyRotation({ configDir: dirA, dp: dpA, registry: regA, log: silent, identity, initiate: (p) => initiated.push(p.name) });
    sides[1].rot = new KeyRotation({ configDir: dirB, dp: dpB, registry: regB, log: silent,
      identity: { privateKey: new Uint8Array(32), publicKey: new Uint8Array(32) }, initiate: () => undefined });

    const reply = await sides[0].rot.rotate();
    assert.deepEqual(reply.updated, ['b']);
    assert.deepEqual(reply.notUpdated, ['gone']);
    assert.notEqual(reply.publicKey, oldA);
    assert.equal(pubOf(dirA), reply.publicKey, 'private.key on disk matches the announced key');
    assert.equal(Buffer.from(identity.publicKey).toString('base64'), reply.publicKey, 'identity swapped in place');
    assert.equal(loadConfig(dirB).peers[0].publicKey, reply.publicKey, 'the peer config holds the new key');
    assert.equal(regB.byPublicKey(Buffer.from(reply.publicKey, 'base64'))?.name, 'a');
    assert.equal(regB.byPublicKey(Buffer.from(oldA, 'base64')), undefined);
    assert.deepEqual(initiated.sort(), ['b', 'gone'], 'a new handshake to every peer with an endpoint');
    assert.deepEqual(mac1Keys, [Buffer.from(mac1Key(identity.publicKey)).toString('hex')], 'the data plane checks mac1 for the new key');
    const again = sides[0].rot.rotate();
    await assert.rejects(sides[0].rot.rotate(), /already in progress/);
    const second = await again;
    assert.equal(loadConfig(dirB).peers[0].publicKey, second.publicKey, 'a second rotation follows the first');
  } finally {
    rm(dirA);
    rm(dirB);
  }
});

test('rotate-key without a running daemon: one line, exit 1, the key on disk unchanged', async () => {
  const d = tmpDir();
  try {
    assert.equal((await run(['init', '--config', d, '--name', 'a', '--listen', '0.0.0.0:51820'])).code, 0);
    const before = Buffer.from(loadPrivateKey(d)).toString('base64');
    const r = await run(['rotate-key', '--config', d]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.errLines.length, 1, r.stderr);
    assert.match(r.stderr, /daemon not running .*peers could not be told, the key is unchanged/);
    assert.equal(Buffer.from(loadPrivateKey(d)).toString('base64'), before);
    assert.equal((await run(['rotate-key', '--config', d, 'extra'])).code, 2);
  } finally {
    rm(d);
  }
});
