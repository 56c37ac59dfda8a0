// Tier 2: construction, argument errors, stop() semantics, and the addon's behaviour when a
// DataPlane is garbage-collected or the process exits without stop().

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

import { addonPath } from '../../src/dataplane/native';
import { DROP_REASONS } from '../../src/dataplane/types';
import { addon, makeNode, makePair } from './harness';

const ok = { tap: { socketpair: true as const }, listen: { address: '127.0.0.1', port: 0 }, onEvent() {} };

test('constructor: bad options throw TypeError/RangeError naming the option and the value', () => {
  const cases: [unknown, string, RegExp][] = [
    [undefined, 'TypeError', /^options must be an object, got undefined$/],
    [42, 'TypeError', /^options must be an object, got 42$/],
    [{ ...ok, tap: undefined }, 'TypeError', /^options\.tap must be an object, got undefined$/],
    [{ ...ok, tap: {} }, 'TypeError', /^options\.tap must be \{ name: string \} or \{ socketpair: true \}/],
    [{ ...ok, tap: { socketpair: 1 } }, 'TypeError', /^options\.tap\.socketpair must be a boolean, got 1$/],
    [{ ...ok, tap: { name: 'x'.repeat(16) } }, 'RangeError', /^options\.tap\.name must be a string of 1\.\.15 bytes/],
    [{ ...ok, tap: { name: '' } }, 'RangeError', /^options\.tap\.name must be a string of 1\.\.15 bytes, got '' \(0 bytes\)$/],
    [{ ...ok, listen: null }, 'TypeError', /^options\.listen must be an object, got null$/],
    [{ ...ok, listen: { address: 'localhost', port: 0 } }, 'Error', /^options\.listen\.address must be an IPv4 or IPv6 address, got 'localhost'$/],
    [{ ...ok, listen: { address: '127.0.0.1', port: 65536 } }, 'RangeError', /^options\.listen\.port must be an integer in \[0, 65535\], got 65536$/],
    [{ ...ok, listen: { address: '127.0.0.1', port: '80' } }, 'TypeError', /^options\.listen\.port must be an integer in \[0, 65535\], got '80'$/],
    [{ ...ok, listen: { address: '127.0.0.1', port: 1.5 } }, 'RangeError', /got 1\.5$/],
    [{ ...ok, macTableCapacity: 0 }, 'RangeError', /^options\.macTableCapacity must be an integer in \[1, 1048576\], got 0$/],
    [{ ...ok, macAgeMs: -1 }, 'RangeError', /^options\.macAgeMs must be an integer/],
    [{ ...ok, eventQueueCapacity: 1e9 }, 'RangeError', /^options\.eventQueueCapacity must be an integer in \[1, 65536\], got 1000000000$/],
    [{ ...ok, onEvent: 'f' }, 'TypeError', /^options\.onEvent must be a function, got 'f'$/],
    [{ ...ok, threadNice: 20 }, 'RangeError', /^options\.threadNice must be an integer in \[-20, 19\], got 20$/],
    [{ ...ok, threadNice: -1.5 }, 'RangeError', /^options\.threadNice must be an integer in \[-20, 19\], got -1\.5$/],
    [{ ...ok, threadNice: '0' }, 'TypeError', /^options\.threadNice must be an integer in \[-20, 19\], got '0'$/],
  ];
  for (const [opts, name, message] of cases) {
    assert.throws(() => new addon.DataPlane(opts as never), (e: Error) => {
      assert.equal(e.name, name, `${JSON.stringify(opts)}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    });
  }
  assert.throws(() => (addon.DataPlane as unknown as () => void)(), { name: 'TypeError', message: /without 'new'/ });
});

/** nice values of this process's threads named bh-* (field 19 of /proc/self/task/TID/stat) */
function dataPlaneNice(): number[] {
  const out: number[] = [];
  for (const t of fs.readdirSync('/proc/self/task')) {
    try {
      if (!fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8').startsWith('bh-')) continue;
      const stat = fs.readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      out.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

test('options.threadNice sets the data-plane threads\' nice value (a raise needs no privilege)', () => {
  const n = makeNode({ threadNice: 7 });
  try {
    n.dp.start();
    const deadline = Date.now() + 2000; // the threads set it first thing; give them a moment
    let nice = dataPlaneNice();
    while ((nice.length < 2 || nice.some((v) => v !== 7)) && Date.now() < deadline) nice = dataPlaneNice();
    assert.deepEqual(nice, [7, 7], 'bh-tx and bh-rx at nice 7');
  } finally {
    n.dp.stop();
  }
});

test('constructor: system errors carry the errno code', () => {
  const a = makeNode();
  try {
    assert.throws(
      () => new addon.DataPlane({ ...ok, listen: { address: '127.0.0.1', port: a.dp.port } }),
      { code: 'EADDRINUSE', message: /^DataPlane: bind: / },
    );
  } finally {
    a.dp.stop();
  }
});

test('methods: argument errors name the argument; misuse gives coded errors', () => {
  const { dp } = makeNode();
  try {
    assert.throws(() => dp.addPeer(0), { name: 'RangeError', message: 'id must be an integer in [1, 65535], got 0' });
    assert.throws(() => dp.addPeer(65536), { name: 'RangeError' });
    assert.throws(() => dp.addPeer('1' as never), { name: 'TypeError', message: "id must be an integer in [1, 65535], got '1'" });
    assert.throws(() => dp.addPeer(1, { address: 'x', port: 1 }), { message: "endpoint.address must be an IPv4 or IPv6 address, got 'x'" });
    assert.throws(() => dp.addPeer(1, { address: '::1', port: 1 }), { message: /is IPv6 but the data plane listens on IPv4/ });
    assert.throws(() => dp.addPeer(1, { address: '127.0.0.1', port: 0 }), { name: 'RangeError', message: /endpoint\.port/ });
    dp.addPeer(1);
    assert.throws(() => dp.addPeer(1), { code: 'ERR_DUPLICATE' });
    assert.throws(() => dp.setEndpoint(2, { address: '127.0.0.1', port: 9 }), { code: 'ERR_UNKNOWN_PEER', message: /unknown peer id 2/ });
    const key = Buffer.alloc(32);
    const kp = { localIndex: 1, remoteIndex: 2, sendKey: key, recvKey: key, initiator: true };
    assert.throws(() => dp.installKeypair(1, { ...kp, sendKey: Buffer.alloc(31) }), {
      name: 'RangeError', message: 'kp.sendKey must be exactly 32 bytes long, got 31 bytes',
    });
    assert.throws(() => dp.installKeypair(1, { ...kp, recvKey: 'k' as never }), { name: 'TypeError', message: /^kp\.recvKey must be a Buffer/ });
    assert.throws(() => dp.installKeypair(1, { ...kp, localIndex: 2 ** 32 }), { name: 'RangeError', message: /^kp\.localIndex/ });
    assert.throws(() => dp.installKeypair(1, { ...kp, initiator: 1 as never }), { name: 'TypeError', message: 'kp.initiator must be a boolean, got 1' });
    dp.installKeypair(1, kp);
    dp.addPeer(2);
    assert.throws(() => dp.installKeypair(2, kp), { code: 'ERR_DUPLICATE', message: /localIndex 1 is already in use/ });
    assert.throws(() => dp.sendControl(1, Buffer.alloc(2000)), { name: 'RangeError', message: /^data must be 0\.\.1522 bytes long/ });
    assert.throws(() => dp.sendRaw({ address: '127.0.0.1', port: 9 }, Buffer.alloc(0)), { name: 'RangeError' });
    assert.throws(() => dp.testReadFrame(-1), { name: 'RangeError', message: /^timeoutMs/ });
    assert.throws(() => addon.DataPlane.prototype.stats.call({}), { name: 'TypeError', message: /Illegal invocation|not a DataPlane/ });
    assert.throws(() => addon.aeadSeal(Buffer.alloc(32), Buffer.alloc(8), Buffer.alloc(0), Buffer.alloc(0)), {
      name: 'RangeError', message: 'nonce must be exactly 12 bytes long, got 8 bytes',
    });
    assert.equal(dp.tapName, '');
    assert.ok(dp.port > 0);
  } finally {
    dp.stop();
  }
});

test('stop() is idempotent, wipes keys, and leaves a usable stats() behind', async () => {
  const p = await makePair();
  p.a.dp.stop();
  p.a.dp.stop();
  p.b.dp.stop();
  p.b.dp.stop();
  const s = p.a.dp.stats();
  assert.equal(s.peers[0].currentKey, null, 'keys are gone');
  assert.equal(p.a.dp.sendKeepalive(1), false);
  assert.equal(p.a.dp.sendRaw(p.b.ep, Buffer.alloc(4)), false);
  assert.throws(() => p.a.dp.start(), { code: 'ERR_DATAPLANE_STOPPED' });
  assert.throws(() => p.a.dp.addPeer(3), { code: 'ERR_DATAPLANE_STOPPED' });
  assert.throws(() => p.a.dp.testReadFrame(0), { code: 'ERR_DATAPLANE_STOPPED' });
  p.a.dp.expireKeypairs(1); // no-op after stop
  p.a.dp.removePeer(1);
  assert.ok(Array.isArray(p.a.dp.macTable()));
});

test('start() twice throws; stop() before start() is fine', () => {
  const a = makeNode();
  a.dp.start();
  assert.throws(() => a.dp.start(), { code: 'ERR_DATAPLANE_RUNNING' });
  a.dp.stop();
  const b = makeNode();
  b.dp.stop();
});

function runChild(script: string) {
  return spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: 15000,
    env: { ...process.env, ADDON: addonPath() },
  });
}

test('a started DataPlane that is garbage-collected without stop() is stopped by its finalizer', () => {
  const r = runChild(`
    require('v8').setFlagsFromString('--expose-gc');
    const gc = require('vm').runInNewContext('gc');
    const { DataPlane } = require(process.env.ADDON);
    (function () {
      for (let i = 0; i < 4; i++) {
        const dp = new DataPlane({ tap: { socketpair: true }, listen: { address: '127.0.0.1', port: 0 }, onEvent() {} });
        dp.onEventSelf = dp; // a cycle through the object must not keep it alive
        dp.addPeer(1, { address: '127.0.0.1', port: 9 });
        dp.start();
        dp.testWriteFrame(Buffer.alloc(60, 0xff));
      }
    })();
    setTimeout(() => { gc(); gc(); setTimeout(() => { gc(); console.log('collected'); }, 50); }, 100);
    // if a finalizer did not stop its threads and release its event function, node never exits
  `);
  assert.equal(r.error, undefined, `child hung or failed: ${r.error} ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /collected/);
});

test('process.exit() with running data planes is clean (env cleanup hook)', () => {
  const r = runChild(`
    const { DataPlane } = require(process.env.ADDON);
    const keep = [];
    for (let i = 0; i < 3; i++) {
      const dp = new DataPlane({ tap: { socketpair: true }, listen: { address: '127.0.0.1', port: 0 }, onEvent() {} });
      dp.start();
      keep.push(dp);
    }
    const init = Buffer.alloc(164); init[0] = 1;
    for (let i = 0; i < 50; i++) keep[0].sendRaw({ address: '127.0.0.1', port: keep[1].port }, init);
    setTimeout(() => process.exit(7), 20);
  `);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 7, r.stderr);
});

test('an onEvent callback that throws raises uncaughtException and later events still arrive', () => {
  const r = runChild(`
    const { DataPlane } = require(process.env.ADDON);
    let seen = 0, caught = 0;
    process.on('uncaughtException', (e) => { if (e.message === 'boom') caught++; });
    const opts = (onEvent) => ({ tap: { socketpair: true }, listen: { address: '127.0.0.1', port: 0 }, onEvent });
    const a = new DataPlane(opts(() => {}));
    const b = new DataPlane(opts(() => { seen++; if (seen === 1) throw new Error('boom'); }));
    a.start(); b.start();
    const init = Buffer.alloc(164); init[0] = 1;
    for (let i = 0; i < 3; i++) a.sendRaw({ address: '127.0.0.1', port: b.port }, init);
    const t = setInterval(() => {
      if (seen === 3) { clearInterval(t); console.log('seen', seen, 'caught', caught); a.stop(); b.stop(); }
    }, 5);
    setTimeout(() => { console.log('timeout seen', seen); process.exit(3); }, 5000).unref();
  `);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /seen 3 caught 1/);
});

test('stats().drops has exactly the reasons the TypeScript contract names, in order', () => {
  const a = makeNode();
  try {
    assert.deepEqual(Object.keys(a.dp.stats().drops), [...DROP_REASONS]);
  } finally {
    a.dp.stop();
  }
});
