// Peer lifecycle on a running pair, through the CLI as an operator would (issue 16, section 5):
//   peer set --endpoint: the running daemon sends to the new endpoint at once (counted at a wrong
//     port of the provider), and traffic flows again when set back; no restart;
//   reload with an invalid file: refused with the reason (exit 1), the tunnel keeps running;
//   peer remove: the removed peer's packets are dropped without an answer and counted
//     (data-plane drop reason unknown_index: its session's receiver index is gone).
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { PORT, Sites, pairSites } from './lib/bridgehead';

const S = NetnsSuite.create(__filename, 'plc');
const T = S.topo;
let sites: Sites | null = null;
const need = (): Sites => { if (!sites) throw new Error('not paired (the pairing test failed)'); return sites; };

describe('peer lifecycle: peer set / reload / peer remove on a running pair', () => {
  before(() => S.setup(), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair the sites; peers lists the other site up', 120000, async () => {
    sites = await pairSites(S);
    const r = await sites.tenant.cliOk(['peers', '--config', sites.tenant.dir, '--json']);
    const j = JSON.parse(r.stdout);
    assert.equal(j.daemonRunning, true);
    assert.equal(j.peers[0].name, 'provider');
    assert.equal(j.peers[0].live.state, 'up');
  });

  // The tenant roams back to the provider's real address on any authenticated packet from it, so
  // while the tenant points at the wrong port the provider's sends are blocked (nft in pa) and the
  // datagrams that reach the wrong port are counted there: proof the running data plane uses it.
  S.it('peer set --endpoint applies to the running daemon at once (datagrams go to the new port), and back', 90000, async () => {
    const { tenant } = need();
    const nft = (...a: string[]) => T.execOk('pa', ['nft', ...a]);
    await nft('add', 'table', 'inet', 'plc');
    await nft('add', 'chain', 'inet', 'plc', 'out', '{ type filter hook output priority 0 ; }');
    await nft('add', 'chain', 'inet', 'plc', 'in', '{ type filter hook input priority 0 ; }');
    await nft('add', 'rule', 'inet', 'plc', 'out', 'udp', 'sport', String(PORT), 'drop');
    await nft('add', 'rule', 'inet', 'plc', 'in', 'udp', 'dport', String(PORT + 1), 'counter');
    try {
      const r = await tenant.cliOk(['peer', 'set', 'provider', '--endpoint', `${ADDR.pa}:${PORT + 1}`, '--config', tenant.dir]);
      assert.match(r.stdout, /reloaded: updated provider/);
      assert.equal((await tenant.status()).peers[0].endpoint, `${ADDR.pa}:${PORT + 1}`);
      const cut = await T.ping('t1', ADDR.p1, { count: 5, intervalS: 0.2, deadlineS: 4 });
      assert.equal(cut.received, 0, cut.raw);
      const listing = (await nft('list', 'chain', 'inet', 'plc', 'in')).stdout;
      const n = Number((/packets (\d+)/.exec(listing) ?? [])[1] ?? 0);
      process.stdout.write(`# ${n} datagrams reached the new endpoint ${ADDR.pa}:${PORT + 1}\n`);
      assert.ok(n >= 5, `the tenant sends to the new endpoint (${n} datagrams counted)\n${listing}`);
    } finally {
      await nft('delete', 'table', 'inet', 'plc');
    }
    const r = await tenant.cliOk(['peer', 'set', 'provider', '--endpoint', `${ADDR.pa}:${PORT}`, '--config', tenant.dir, '--json']);
    assert.equal(JSON.parse(r.stdout).daemon.ok, true);
    await T.waitForPing('t1', ADDR.p1, 20000);
    assert.equal((await tenant.status()).peers[0].endpoint, `${ADDR.pa}:${PORT}`);
    assert.equal(tenant.starts, 1, 'no restart');
  });

  S.it('reload with an invalid file: refused with the reason, the running config intact', 60000, async () => {
    const { tenant } = need();
    const file = path.join(tenant.dir, 'bridgehead.json');
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, good.replace(`"${ADDR.pa}:${PORT}"`, `"${ADDR.pa}"`));
    try {
      const r = await tenant.cli(['reload', '--config', tenant.dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^bridgehead: reload refused: .*peers\[0\]\.endpoint.*; the daemon keeps running with its previous config\n$/);
    } finally { fs.writeFileSync(file, good); }
    const p = await T.ping('t1', ADDR.p1, { count: 5, intervalS: 0.2, deadlineS: 5 });
    assert.equal(p.received, 5, p.raw);
    assert.equal((await tenant.status()).peers[0].endpoint, `${ADDR.pa}:${PORT}`);
  });

  S.it('peer remove: the removed peer\'s packets are dropped silently and counted (unknown_index)', 60000, async () => {
    const { provider } = need();
    const r = await provider.cliOk(['peer', 'remove', 'tenant', '--config', provider.dir]);
    assert.match(r.stdout, /removed peer "tenant"[\s\S]*reloaded: removed tenant/);
    const before = await provider.status();
    assert.equal(before.peers.length, 0);
    const p = await T.ping('t1', ADDR.p1, { count: 10, intervalS: 0.2, deadlineS: 5 });
    assert.equal(p.received, 0, p.raw);
    const after = await provider.status();
    const dropped = (after.drops.unknown_index ?? 0) - (before.drops.unknown_index ?? 0);
    process.stdout.write(`# provider after peer remove: ${dropped} datagrams dropped as unknown_index, ` +
      `tx datagrams +${after.totals.txDatagrams - before.totals.txDatagrams}\n`);
    assert.ok(dropped >= 5, `the tenant's data packets are counted as unknown_index (${dropped})`);
    assert.equal(after.totals.txDatagrams, before.totals.txDatagrams, 'no answer to the removed peer');
    const peers = JSON.parse((await provider.cliOk(['peers', '--config', provider.dir, '--json'])).stdout);
    assert.deepEqual(peers.peers, []);
  });
});
