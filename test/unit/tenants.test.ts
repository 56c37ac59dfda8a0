// Multi-tenant provider (docs/INTERNALS.md section 9) without root: tenants.json parsing and its
// errors, the CLI (tenant add/list/remove, --tenant on other commands, usage errors), the
// initiation dispatcher (mac1 per tenant) and the steering slot in allocated indices.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, rm, tmpDir } from './cli-helpers';
import { ConfigError } from '../../src/config/errors';
import { parseTenants, formatTenants, freeSlot, parseTenantName, MAX_TENANTS } from '../../src/config/tenants';
import { loadTenants, resolveTenantDir } from '../../src/config/tenant-store';
import { loadConfig, loadInvites } from '../../src/config/store';
import * as crypto from '../../src/control/crypto';
import { createInitiation } from '../../src/control/handshake';
import { TenantDispatch } from '../../src/control/tenant-dispatch';
import { startCtlsockServer } from '../../src/daemon/ctlsock-server';
import { HandshakeDriver } from '../../src/daemon/handshake-driver';
import { PeerRegistry } from '../../src/daemon/peer-registry';
import { DropCounters } from '../../src/daemon/drop-counters';
import type { DataPlane } from '../../src/dataplane/types';

test('tenants.json: valid lists round-trip; every error is one ConfigError line naming the field', () => {
  const ok = parseTenants({ version: 1, tenants: [{ name: 'acme', slot: 1 }, { name: 'b-2', slot: 255 }] });
  assert.deepEqual(ok, [{ name: 'acme', slot: 1 }, { name: 'b-2', slot: 255 }]);
  assert.deepEqual(parseTenants(JSON.parse(formatTenants(ok))), ok);
  const bad: Array<[unknown, RegExp]> = [
    [[], /expected a JSON object/],
    [{ version: 2, tenants: [] }, /version: unsupported/],
    [{ version: 1 }, /tenants: expected a list/],
    [{ version: 1, tenants: [], extra: 1 }, /extra: unknown field/],
    [{ version: 1, tenants: [{ name: 'a', slot: 0 }] }, /tenants\[0\]\.slot: expected an integer 1\.\.255/],
    [{ version: 1, tenants: [{ name: 'a', slot: 256 }] }, /slot/],
    [{ version: 1, tenants: [{ name: 'a', slot: 1.5 }] }, /slot/],
    [{ version: 1, tenants: [{ name: 'Acme', slot: 1 }] }, /tenants\[0\]\.name: tenant name must start with a-z/],
    [{ version: 1, tenants: [{ name: 'abcdefghijklm', slot: 1 }] }, /at most 12 characters/],
    [{ version: 1, tenants: [{ name: 'a', slot: 1, tap: 'x' }] }, /tenants\[0\]\.tap: unknown field/],
    [{ version: 1, tenants: [{ name: 'a', slot: 1 }, { name: 'a', slot: 2 }] }, /duplicate tenant name/],
    [{ version: 1, tenants: [{ name: 'a', slot: 1 }, { name: 'b', slot: 1 }] }, /slot used twice/],
  ];
  for (const [raw, re] of bad) {
    assert.throws(() => parseTenants(raw, 'T'), (e: Error) => e instanceof ConfigError && re.test(e.message) && !e.message.includes('\n'),
      JSON.stringify(raw));
  }
  assert.equal(freeSlot([{ name: 'a', slot: 1 }, { name: 'b', slot: 3 }]), 2);
  assert.equal(freeSlot(Array.from({ length: MAX_TENANTS }, (_, i) => ({ name: `t${i}`, slot: i + 1 }))), null);
  assert.throws(() => parseTenantName('a b'), /a-z/);
  assert.throws(() => parseTenantName(''), /empty/);
});

test('CLI: tenant add/list/remove, --tenant on other commands, usage errors', async () => {
  const d = tmpDir();
  try {
    assert.equal((await run(['init', '-c', d, '--name', 'prov', '--listen', '0.0.0.0:51820', '--endpoint', '198.18.0.1:51820', '--tap', 'bh0'])).code, 0);
    const usage: Array<[string[], RegExp]> = [
      [['tenant', 'add', 'Bad', '--bridge', 'br1', '-c', d], /^bridgehead: invalid NAME "Bad"/],
      [['tenant', 'add', 'acme', '-c', d], /needs --bridge BR .*, --vlan ID --trunk IF or --vni ID/],
      [['tenant', 'add', 'acme', '--vlan', '10', '-c', d], /--vlan needs --trunk IF/],
      [['tenant', 'add', 'acme', '--vni', '10', '-c', d], /--vni needs --local IP/],
      [['tenant', 'add', 'acme', '--vlan', '5000', '-c', d], /invalid --vlan "5000": must be 1\.\.4094/],
      [['tenant', 'add', 'acme', '--bridge', 'x', '--tap', 'x', '-c', d], /must differ from the tap/],
      [['status', '--tenant', 'nope', '-c', d], /invalid --tenant "nope": .*has no tenants/],
      [['status', '--tenant', 'Bad!', '-c', d], /invalid --tenant "Bad!"/],
      [['tenant', 'frob', '-c', d], /unknown command 'frob'/],
    ];
    for (const [argv, re] of usage) {
      const r = await run(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.errLines.length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    const a = await run(['tenant', 'add', 'acme', '--bridge', 'br1', '-c', d]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, /slot 1, tap bt-acme, bridge br1/);
    assert.match(a.stderr, /daemon not running/);
    const b = await run(['tenant', 'add', 'beta', '--bridge', 'br2', '--tap', 'tb', '-c', d, '--json']);
    assert.equal(JSON.parse(b.stdout).slot, 2);
    assert.equal((await run(['tenant', 'add', 'acme', '--bridge', 'br3', '-c', d])).code, 1, 'a second acme');
    const dup = await run(['tenant', 'add', 'gamma', '--bridge', 'br3', '--tap', 'bh0', '-c', d]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /tap "bh0" is already used by the appliance itself/);
    // each tenant: its own config directory with the appliance's listen/endpoint and a new key
    const acme = loadConfig(path.join(d, 'tenants', 'acme'));
    assert.deepEqual([acme.listen, acme.endpoint, acme.tap, acme.bridge], [{ address: '0.0.0.0', port: 51820 }, '198.18.0.1:51820', 'bt-acme', 'br1']);
    const keyA = fs.readFileSync(path.join(d, 'tenants', 'acme', 'private.key'), 'utf8');
    assert.notEqual(keyA, fs.readFileSync(path.join(d, 'private.key'), 'utf8'));
    assert.equal(fs.statSync(path.join(d, 'tenants.json')).mode & 0o777, 0o600);
    // --tenant: the invite lands in the tenant's invites.json with the tenant's key
    const inv = await run(['invite', '--tenant', 'beta', '-c', d, '--json']);
    assert.equal(inv.code, 0, inv.stderr);
    assert.equal(loadInvites(path.join(d, 'tenants', 'beta')).length, 1);
    assert.equal(loadInvites(d).length, 0);
    assert.equal(loadInvites(path.join(d, 'tenants', 'acme')).length, 0);
    const list = await run(['tenant', 'list', '-c', d, '--json']);
    assert.deepEqual(JSON.parse(list.stdout).tenants.map((t: { name: string; slot: number; tap: string }) => [t.name, t.slot, t.tap]),
      [['acme', 1, 'bt-acme'], ['beta', 2, 'tb']]);
    const st = await run(['status', '--tenant', 'acme', '-c', d]);
    assert.equal(st.code, 1);
    assert.match(st.stderr, /tenants\/acme\/bridgehead\.sock/, 'status --tenant talks to the tenant\'s socket');
    // remove: out of tenants.json, the directory kept aside; the slot is free again
    const rmv = await run(['tenant', 'remove', 'acme', '-c', d]);
    assert.equal(rmv.code, 0, rmv.stderr);
    assert.deepEqual(loadTenants(d).map((t) => t.name), ['beta']);
    assert.ok(fs.readdirSync(path.join(d, 'tenants')).some((f) => f.startsWith('.removed-acme-')));
    assert.equal((await run(['tenant', 'remove', 'acme', '-c', d])).code, 1);
    assert.throws(() => resolveTenantDir(d, 'acme'), /no tenant "acme".*known: beta/);
    const c = await run(['tenant', 'add', 'gamma', '--bridge', 'br3', '-c', d, '--json']);
    assert.equal(JSON.parse(c.stdout).slot, 1, 'the lowest free slot');
  } finally {
    rm(d);
  }
});

test('CLI: tenant add tells a running daemon (tenants-reload) and reports what it did', async () => {
  const d = tmpDir();
  const calls: string[] = [];
  const srv = await startCtlsockServer(path.join(d, 'bridgehead.sock'), {
    'tenants-reload': () => { calls.push('reload'); return { started: ['acme'], stopped: [], failed: [] }; },
    tenants: () => ({ tenants: [{ name: 'acme', slot: 1, state: 'running', tap: 'bt-acme', peers: 2, peersUp: 1, rxBytes: 5, txBytes: 6, drops: 0 }] }),
  });
  try {
    await run(['init', '-c', d, '--name', 'prov', '--listen', '198.18.0.1:51820', '--tap', 'bh0']);
    const a = await run(['tenant', 'add', 'acme', '--bridge', 'br1', '-c', d]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, /daemon: started acme/);
    assert.deepEqual(calls, ['reload']);
    const l = await run(['tenant', 'list', '-c', d]);
    assert.match(l.stdout, /acme\s+1\s+bt-acme\s+br1\s+-\s+0\s+running\s+1\/2\s+5\s+6/);
  } finally {
    await srv.close();
    rm(d);
  }
});

test('dispatch: an initiation goes to the tenant whose key its mac1 was made for; garbage to none', async () => {
  await crypto.ready();
  const tenants = ['a', 'b', 'c'].map((name) => ({ name, kp: crypto.generateKeyPair() }));
  const list = tenants.map((t) => ({ name: t.name, publicKey: t.kp.publicKey }));
  const joiner = crypto.generateKeyPair();
  const disp = new TenantDispatch(2);
  for (const target of tenants) {
    const { message } = createInitiation({ local: joiner, remotePublicKey: target.kp.publicKey, psk: new Uint8Array(32),
      senderIndex: 7, nowMs: 1000 });
    assert.equal((disp.pick(message, '198.18.0.9', list, 0) as { name: string }).name, target.name);
    const flipped = Uint8Array.from(message);
    flipped[20] ^= 1;
    assert.equal(disp.pick(flipped, '198.18.0.9', list, 0), null, 'a changed byte: no tenant');
    assert.equal(disp.pick(message.subarray(0, 163), '198.18.0.9', list, 0), null, 'wrong size');
  }
  // the source hint puts the last tenant of a source first: one mac1 instead of three
  const { message } = createInitiation({ local: joiner, remotePublicKey: tenants[2].kp.publicKey, psk: new Uint8Array(32), senderIndex: 8, nowMs: 1 });
  disp.remember('198.18.0.5', 'c');
  const before = disp.macsComputed;
  assert.equal((disp.pick(message, '198.18.0.5', list, 0) as { name: string }).name, 'c');
  assert.equal(disp.macsComputed - before, 1);
  disp.remember('198.18.0.6', 'a');
  disp.remember('198.18.0.7', 'a');
  assert.equal(disp.hintCount, 2, 'bounded: the oldest hint is forgotten');
  disp.forget('a');
  assert.equal(disp.hintCount, 0);
  // a rotated key (changed in place) is picked up
  const rotated = crypto.generateKeyPair();
  list[1].publicKey.set(rotated.publicKey);
  const m2 = createInitiation({ local: joiner, remotePublicKey: rotated.publicKey, psk: new Uint8Array(32), senderIndex: 9, nowMs: 2 }).message;
  assert.equal((disp.pick(m2, '198.18.0.8', list, 0) as { name: string }).name, 'b');
  // the full-scan budget: 3 scans per second here; the hinted source still gets its one check
  const tight = new TenantDispatch(16, 3);
  const garbage = Uint8Array.from(m2);
  garbage[30] ^= 1;
  for (let i = 0; i < 3; i++) assert.equal(tight.pick(garbage, `198.18.1.${i}`, list, 5000), null);
  assert.equal(tight.pick(garbage, '198.18.1.9', list, 5500), 'overload');
  assert.equal(tight.overloaded, 1);
  tight.remember('198.18.0.8', 'b');
  assert.equal((tight.pick(m2, '198.18.0.8', list, 5600) as { name: string }).name, 'b', 'a hinted source passes under overload');
  assert.equal(tight.pick(garbage, '198.18.1.9', list, 6000), null, 'a new second: scans again');
});

test('handshake driver: with a steering slot every local index carries it in the top byte', async () => {
  await crypto.ready();
  const sent: Buffer[] = [];
  const dp = { sendRaw: (_e: unknown, b: Buffer) => { sent.push(b); return true; } } as unknown as DataPlane;
  const registry = new PeerRegistry();
  const log = { info: () => undefined, debug: () => undefined, warn: () => undefined };
  const drv = new HandshakeDriver({ identity: crypto.generateKeyPair(), registry, dp, drops: new DropCounters(),
    invites: { find: () => ({ ok: false, reason: 'unknown' }) }, log, indexSlot: 0xc8,
    onResponded: () => undefined, onInitiatedKeypair: () => undefined });
  const peer = registry.add({ name: 'p', publicKey: crypto.generateKeyPair().publicKey, psk: new Uint8Array(32),
    configuredEndpoint: null, endpoint: { address: '198.18.0.2', port: 1 }, persistentKeepaliveMs: 0, provisional: null });
  for (let i = 0; i < 50; i++) assert.ok(drv.initiate(peer, 1000 + i));
  for (const m of sent) {
    const idx = m.readUInt32LE(4);
    assert.equal(idx >>> 24, 0xc8, idx.toString(16));
    assert.ok((idx & 0xffffff) !== 0);
  }
});
