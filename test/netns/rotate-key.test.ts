// rotate-key on a running pair (issue 16, section 5): the provider draws a new static key while a
// ping runs; the tenant learns it over the authenticated channel and stores it in bridgehead.json;
// a fresh handshake with the new key follows, no ping is lost; both daemons restarted still pair
// (the keys on disk agree).
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { Sites, pairSites } from './lib/bridgehead';

const S = NetnsSuite.create(__filename, 'rotk');
const T = S.topo;
let sites: Sites | null = null;
const need = (): Sites => { if (!sites) throw new Error('not paired (the pairing test failed)'); return sites; };

describe('rotate-key: new static key without re-pairing', () => {
  before(() => S.setup(), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair the sites', 120000, async () => {
    sites = await pairSites(S);
    await T.waitForPing('t1', ADDR.p1, 20000);
  });

  S.it('rotate-key on the provider while a ping runs: the tenant stores the new key, a new handshake uses it, no ping lost', 60000, async () => {
    const { provider, tenant } = need();
    const oldKey = (await provider.status()).publicKey;
    const ping = T.ping('t1', ADDR.p1, { count: 30, intervalS: 0.2, deadlineS: 15 });
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    const r = await provider.cliOk(['rotate-key', '--config', provider.dir, '--json']);
    const reply = JSON.parse(r.stdout) as { publicKey: string; updated: string[]; notUpdated: string[] };
    assert.deepEqual(reply.updated, ['tenant']);
    assert.deepEqual(reply.notUpdated, []);
    assert.notEqual(reply.publicKey, oldKey);
    const cfg = JSON.parse(fs.readFileSync(path.join(tenant.dir, 'bridgehead.json'), 'utf8'));
    assert.equal(cfg.peers[0].publicKey, reply.publicKey, 'the tenant\'s config holds the new key');
    assert.equal((await provider.status()).publicKey, reply.publicKey);
    // a handshake after the rotation: only the new key can complete it (the tenant knows no other)
    let fresh = false;
    for (let i = 0; i < 40 && !fresh; i++) {
      const st = await tenant.status();
      const age = st.peers[0].lastHandshakeAgeMs;
      fresh = st.peers[0].publicKey === reply.publicKey && age !== null && age < Date.now() - t0;
      if (!fresh) await new Promise((res) => setTimeout(res, 250));
    }
    assert.ok(fresh, 'a handshake with the new key after the rotation');
    const p = await ping;
    process.stdout.write(`# ping during rotate-key: ${p.received}/30 received\n`);
    assert.equal(p.received, 30, p.raw);
  });

  S.it('both daemons restarted: they pair with the keys on disk', 90000, async () => {
    const { provider, tenant } = need();
    for (const a of [provider, tenant]) {
      const { forced } = await a.stop('SIGTERM', 10000);
      assert.ok(!forced, `${a.name} stopped`);
    }
    for (const a of [provider, tenant]) { a.start(); await a.waitReady(20000); }
    await T.waitForPing('t1', ADDR.p1, 30000);
    const p = await T.ping('t1', ADDR.p1, { count: 5, intervalS: 0.2, deadlineS: 5 });
    assert.equal(p.received, 5, p.raw);
    assert.equal((await tenant.status()).peers[0].state, 'up');
    assert.equal((await provider.status()).peers[0].state, 'up');
  });

  S.it('rotate-key with the daemon stopped: refused in one line, the key unchanged', 30000, async () => {
    const { provider } = need();
    await provider.stop('SIGTERM', 10000);
    const key = fs.readFileSync(path.join(provider.dir, 'private.key'), 'utf8');
    const r = await provider.cli(['rotate-key', '--config', provider.dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^bridgehead: daemon not running .*the peers could not be told, the key is unchanged\n$/);
    assert.equal(fs.readFileSync(path.join(provider.dir, 'private.key'), 'utf8'), key);
  });
});
