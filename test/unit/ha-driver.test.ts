import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as crypto from '../../src/control/crypto';
import { HaDriver } from '../../src/daemon/ha-driver';
import { PeerRegistry } from '../../src/daemon/peer-registry';
import { DropCounters } from '../../src/daemon/drop-counters';
import { encodeHa } from '../../src/control/ha-messages';
import type { HaConfig } from '../../src/config/ha-config';

const SECRET = Buffer.alloc(32, 3).toString('base64');
const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) { if (Date.now() > end) throw new Error(`timed out: ${what}`); await wait(20); }
}

function member(name: 'a' | 'b', ports: { a: number; b: number }, events: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bh-ha-${name}-`));
  const cfg: HaConfig = { enabled: true, member: name, listen: `127.0.0.1:${ports[name]}`, peer: `127.0.0.1:${ports[name === 'a' ? 'b' : 'a']}`,
    secret: SECRET, vrrpId: 1, priority: 100, preempt: false, vrrpInterface: 'lo', virtualAddress: null, advertIntervalMs: 500 };
  const drops = new DropCounters();
  const d = new HaDriver({ cfg, configDir: dir, tap: `tap-${name}`, bridge: 'br0', drops, log: quiet, now: () => Date.now(),
    dp: { neighbors: () => [], announce: () => true, setEndpoint: () => undefined },
    registry: new PeerRegistry(), failover: null,
    onActivate: () => events.push(`${name}:handshakes`), onDeactivate: () => events.push(`${name}:silent`),
    link: { attach: async () => { events.push(`${name}:attach`); }, detach: async () => { events.push(`${name}:detach`); } } });
  return { d, dir, drops };
}

async function freePorts(): Promise<{ a: number; b: number }> {
  const get = () => new Promise<number>((res) => { const s = dgram.createSocket('udp4'); s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
  return { a: await get(), b: await get() };
}

test('driver: standby at start; handover = old leaves (detach) before new joins (attach); health files', async () => {
  await crypto.ready();
  const ports = await freePorts();
  const ev: string[] = [];
  const A = member('a', ports, ev);
  const B = member('b', ports, ev);
  try {
    await A.d.start();
    await B.d.start();
    assert.deepEqual(ev.sort(), ['a:detach', 'b:detach']);
    ev.length = 0;
    assert.equal(fs.readFileSync(path.join(A.dir, 'ha-health'), 'utf8'), 'ok\n');
    A.d.notify('MASTER');
    await A.d.settled();
    assert.deepEqual(ev, ['a:attach', 'a:handshakes']);
    B.d.notify('BACKUP');
    await until('b hears a as active', () => B.d.status().peerMember?.active === true);
    assert.equal(B.d.status().peerMember?.member, 'a');
    ev.length = 0;
    B.d.notify('MASTER'); // keepalived on b wrongly says MASTER while a is active: b waits
    await wait(300);
    assert.equal(B.d.active, false);
    assert.equal(B.d.status().waitingForOther, true);
    A.d.handover();
    await A.d.settled();
    assert.equal(fs.readFileSync(path.join(A.dir, 'ha-stepdown'), 'utf8'), '1\n');
    assert.match(fs.readFileSync(path.join(A.dir, 'ha-health'), 'utf8'), /^stepped-down handover/);
    await until('b takes over', () => B.d.active);
    await B.d.settled();
    assert.deepEqual(ev, ['a:silent', 'a:detach', 'b:attach', 'b:handshakes']);
    assert.equal(B.d.status().lastTakeover?.reason, 'peer-inactive'); // a left while keepalived still called it MASTER
    assert.throws(() => A.d.handover(), /not active/);
    assert.throws(() => A.d.notify('PRIMARY'), /MASTER, BACKUP or FAULT/);
  } finally {
    A.d.close(); B.d.close();
  }
  assert.equal(fs.existsSync(path.join(A.dir, 'ha-health')), false, 'a stopped daemon leaves no health file');
  assert.equal(fs.readFileSync(path.join(A.dir, 'ha-stepdown'), 'utf8'), '1\n', 'a stopped daemon asks keepalived to hand over');
});

test('driver: forged, replayed and foreign datagrams are dropped and counted, never fed', async () => {
  await crypto.ready();
  const ports = await freePorts();
  const A = member('a', ports, []);
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(ports.b, '127.0.0.1', () => r()));
  try {
    await A.d.start();
    const send = (b: Buffer) => new Promise<void>((r) => sock.send(b, ports.a, '127.0.0.1', () => r()));
    const hb = { t: 'hb' as const, m: 'b', r: 'master' as const, a: 1 as const, p: 100, v: 0 };
    const good = encodeHa(hb, Buffer.from(SECRET, 'base64'), 5n, 1n);
    await send(encodeHa(hb, Buffer.alloc(32, 9), 5n, 1n)); // wrong secret
    await send(Buffer.from('garbage that is long enough to be looked at, really'));
    await send(good);
    await send(good); // replay
    await until('counted', () => A.d.status().counters.rxReplay === 1);
    const c = A.d.status().counters;
    assert.equal(c.rxBadMac, 1);
    assert.equal(c.rxMalformed, 1);
    assert.equal(c.heartbeatsReceived, 1);
    assert.equal(A.drops.snapshot().ha_bad_mac, 1);
  } finally {
    A.d.close();
    sock.close();
  }
});
