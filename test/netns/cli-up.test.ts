// `bridgehead up` as a process: it creates the TAP and attaches it to the bridge, serves a 0600
// control socket, and on SIGTERM (or SIGINT) removes the TAP and exits 0.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { Appliance, PORT } from './lib/bridgehead';
import { waitFor } from './lib/proc';

const S = NetnsSuite.create(__filename, 'cliup');
const T = S.topo;
let provider: Appliance | null = null;
const need = (): Appliance => { if (!provider) throw new Error('init failed'); return provider; };

async function assertTapOnBridge(a: Appliance): Promise<void> {
  const l = await T.link(a.node, a.tap);
  assert.ok(l, `${a.tap} exists`);
  assert.equal(l.linkinfo?.info_kind, 'tun', `${a.tap} kind ${l.linkinfo?.info_kind}`);
  assert.equal(l.linkinfo?.info_data?.type, 'tap', `${a.tap} is a TAP (${JSON.stringify(l.linkinfo?.info_data)})`);
  assert.equal(l.master, 'br0', `${a.tap} is attached to br0`);
  assert.ok(l.flags.includes('UP'), `${a.tap} is up (flags ${l.flags})`);
}

async function assertStopsCleanly(a: Appliance, sig: NodeJS.Signals): Promise<void> {
  const { exit, forced } = await a.stop(sig, 10000);
  assert.ok(!forced, `exited within 10 s of ${sig}`);
  assert.deepEqual(exit, { code: 0, signal: null }, `exit status after ${sig}`);
  await waitFor(`${a.tap} removed`, 3000, async () => (await T.link(a.node, a.tap)) === null);
  assert.equal(await T.udpListening(a.node, PORT), false, 'UDP socket closed');
}

describe('cli up: TAP, bridge, control socket, clean stop', () => {
  before(() => S.setup(), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('init writes the identity with private files', 30000, async () => {
    const a = new Appliance(S, 'pa', 'provider');
    await a.init(['--listen', `${ADDR.pa}:${PORT}`, '--endpoint', `${ADDR.pa}:${PORT}`, '--tap', 'bh0', '--bridge', 'br0']);
    for (const f of ['bridgehead.json', 'private.key']) {
      const st = fs.statSync(path.join(a.dir, f));
      assert.equal(st.mode & 0o777, 0o600, `${f} mode ${(st.mode & 0o777).toString(8)}`);
    }
    provider = a;
  });

  S.it('up creates TAP bh0, attached to br0 and up; the control socket is mode 0600', 60000, async () => {
    const a = need();
    a.start();
    await a.waitReady(20000);
    await assertTapOnBridge(a);
    const st = fs.lstatSync(a.socketPath);
    assert.ok(st.isSocket(), `${a.socketPath} is a socket`);
    assert.equal(st.mode & 0o777, 0o600, `control socket mode ${(st.mode & 0o777).toString(8)}`);
    const s = await a.status();
    assert.equal(s.tap, 'bh0');
    assert.equal(s.bridge, 'br0');
    assert.equal(s.peers.length, 0);
  });

  S.it('SIGTERM: the TAP is removed and the daemon exits 0', 30000, async () => {
    const a = need();
    assert.ok(a.daemon?.running, 'daemon running');
    await assertStopsCleanly(a, 'SIGTERM');
  });

  S.it('up again (after a clean stop) works; SIGINT also stops it cleanly', 60000, async () => {
    const a = need();
    a.start();
    await a.waitReady(20000);
    await assertTapOnBridge(a);
    await assertStopsCleanly(a, 'SIGINT');
  });
});
