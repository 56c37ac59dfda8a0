// HandshakeDriver, cookie replies for responses (WireGuard): an initiator under load answers a
// response without mac2 with a cookie reply and does not install a key; the responder keeps the
// cookie; after the initiator's retry the responder's new response carries mac2 and completes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from '../../src/control/crypto';
import { createInitiation } from '../../src/control/handshake';
import { HandshakeDriver } from '../../src/daemon/handshake-driver';
import { DropCounters } from '../../src/daemon/drop-counters';
import { PeerRegistry, type PeerEntry } from '../../src/daemon/peer-registry';
import type { DataPlane, Endpoint } from '../../src/dataplane/types';

const EP_A: Endpoint = { address: '198.18.0.1', port: 51820 };
const EP_B: Endpoint = { address: '198.18.0.2', port: 51820 };
const PSK = new Uint8Array(32).fill(7);
const silent = { info: () => undefined, debug: () => undefined, warn: () => undefined };

function side(self: crypto.KeyPair, other: crypto.KeyPair, otherEp: Endpoint) {
  const sent: Buffer[] = [];
  const installed: number[] = [];
  const dp = {
    sendRaw: (_to: Endpoint, data: Buffer) => { sent.push(Buffer.from(data)); return true; },
    installKeypair: (id: number) => { installed.push(id); },
    setEndpoint: () => undefined,
  } as unknown as DataPlane;
  const registry = new PeerRegistry();
  const peer = registry.add({ name: 'other', publicKey: other.publicKey, psk: PSK, configuredEndpoint: null,
    endpoint: otherEp, persistentKeepaliveMs: 0, provisional: null });
  const drops = new DropCounters();
  const completed: PeerEntry[] = [];
  const driver = new HandshakeDriver({ identity: self, registry, dp, drops, log: silent,
    invites: { find: () => ({ ok: false, reason: 'unknown' }) },
    onResponded: () => undefined, onInitiatedKeypair: (p) => completed.push(p) });
  return { driver, peer, sent, installed, drops, completed };
}

/** 45 mac1-valid initiations from strangers: the guard of `to` is under load for this second. */
function flood(d: HandshakeDriver, toKey: Uint8Array, nowMs: number): void {
  for (let i = 0; i < 45; i++) {
    const { message } = createInitiation({ local: crypto.generateKeyPair(), remotePublicKey: toKey, psk: PSK,
      senderIndex: 1000 + i, nowMs });
    d.onDatagram({ address: '198.18.9.9', port: 4000 + i }, Buffer.from(message), nowMs);
  }
}

test('initiator under load: cookie reply to the response, the responder\'s next response carries mac2 and completes', async () => {
  await crypto.ready();
  const ka = crypto.generateKeyPair(), kb = crypto.generateKeyPair();
  const a = side(ka, kb, EP_B), b = side(kb, ka, EP_A);
  const t0 = 1_700_000_000_000;

  assert.ok(a.driver.initiate(a.peer, t0));
  b.driver.onDatagram(EP_A, a.sent.pop()!, t0);
  const response = b.sent.pop()!;
  assert.equal(response[0], 2);
  assert.ok(response.subarray(92 - 16).every((x) => x === 0), 'no cookie yet: mac2 is zero');

  flood(a.driver, ka.publicKey, t0);
  assert.equal(a.driver.guardStats(t0).underLoad, true);
  const cookieRequired = a.drops.get('handshake_cookie_required');
  a.driver.onDatagram(EP_B, response, t0);
  assert.equal(a.drops.get('handshake_cookie_required'), cookieRequired + 1, 'the response is not processed');
  assert.equal(a.completed.length, 0);
  const reply = a.sent.pop()!;
  assert.equal(reply[0], 3);

  b.driver.onDatagram(EP_A, reply, t0 + 1);
  assert.equal(b.driver.guardStats(t0 + 1).cookieRepliesReceived, 1, 'the responder kept the cookie');
  assert.equal(b.drops.get('handshake_unknown_index'), 0);
  b.driver.onDatagram(EP_A, reply, t0 + 2); // the same reply again: one cookie per response
  assert.equal(b.drops.get('handshake_unknown_index'), 1);

  // the initiator's regular retry, still under load
  flood(a.driver, ka.publicKey, t0 + 5000);
  assert.ok(a.driver.initiate(a.peer, t0 + 5000));
  b.driver.onDatagram(EP_A, a.sent.pop()!, t0 + 5000);
  const second = b.sent.pop()!;
  assert.ok(!second.subarray(92 - 16).every((x) => x === 0), 'mac2 with the cookie');
  a.driver.onDatagram(EP_B, second, t0 + 5000);
  assert.equal(a.completed.length, 1, 'handshake complete');
  assert.equal(a.driver.guardStats(t0 + 5000).mac2Accepted, 1);
});
