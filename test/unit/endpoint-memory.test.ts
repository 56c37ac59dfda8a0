// endpoints.json (endpoint-memory.ts): what a restarted daemon initiates to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EndpointMemory } from '../../src/daemon/endpoint-memory';
import type { PeerEntry } from '../../src/daemon/peer-registry';

const warnings: string[] = [];
const log = { warn: (_o: object, msg: string) => { warnings.push(msg); } };
const peer = (key: string, endpoint: PeerEntry['endpoint'], configuredEndpoint: string | null = null,
  provisional: PeerEntry['provisional'] = null) => ({ publicKeyB64: key, endpoint, configuredEndpoint, provisional }) as PeerEntry;

function tmp(): string { return fs.mkdtempSync(path.join(os.tmpdir(), 'bh-epm-')); }

test('round trip: only peers without a configured endpoint, IPv4 and IPv6, file mode 0600', () => {
  const dir = tmp();
  const m = new EndpointMemory(dir, log);
  assert.equal(m.load().size, 0, 'no file yet: nothing, no warning');
  m.save([peer('A=', { address: '198.18.2.2', port: 41000 }), peer('B=', { address: '2001:db8::5', port: 51820 }),
    peer('C=', { address: '198.18.9.9', port: 1 }, '198.18.9.9:1'), peer('D=', null),
    peer('E=', { address: '198.18.2.3', port: 2 }, null, { inviteId: 'x', createdMs: 0 })], 1000);
  assert.equal(fs.statSync(m.file).mode & 0o777, 0o600);
  const back = new EndpointMemory(dir, log).load();
  assert.deepEqual([...back], [['A=', { address: '198.18.2.2', port: 41000 }], ['B=', { address: '2001:db8::5', port: 51820 }]]);
  assert.equal(warnings.length, 0);
});

test('writes at most once a second and only on change', () => {
  const dir = tmp();
  const m = new EndpointMemory(dir, log);
  m.save([peer('A=', { address: '198.18.2.2', port: 1 })], 1000);
  m.save([peer('A=', { address: '198.18.2.2', port: 2 })], 1500);
  assert.equal(new EndpointMemory(dir, log).load().get('A=')?.port, 1, 'not yet');
  m.save([peer('A=', { address: '198.18.2.2', port: 2 })], 2000);
  assert.equal(new EndpointMemory(dir, log).load().get('A=')?.port, 2);
  fs.utimesSync(m.file, new Date(0), new Date(0));
  m.save([peer('A=', { address: '198.18.2.2', port: 2 })], 9000);
  assert.equal(fs.statSync(m.file).mtimeMs, 0, 'unchanged: not rewritten');
  m.save([peer('A=', { address: '198.18.2.2', port: 3 })], 10000);
  assert.notEqual(fs.statSync(m.file).mtimeMs, 0, 'changed: rewritten');
});

test('a broken or hostile file is ignored with one warning; bad entries are skipped', () => {
  const dir = tmp();
  const m = new EndpointMemory(dir, log);
  for (const bad of ['{', '[]', 'null', '"x"']) {
    warnings.length = 0;
    fs.writeFileSync(m.file, bad);
    assert.equal(m.load().size, 0, bad);
    assert.equal(warnings.length, 1, bad);
  }
  fs.writeFileSync(m.file, JSON.stringify({ a: 'host.example:1', b: '198.18.0.1:0', c: '198.18.0.1:70000', d: 5,
    e: '198.18.0.1:51820', f: '[2001:db8::1]:443' }));
  assert.deepEqual([...m.load().keys()], ['e', 'f']);
});
