// Loop guard (issue 17): a backdoor veth that also connects the two sites' bridges is a second L2
// path beside the tunnel. With the configuration `init --site` writes, each appliance sees the
// other's loop probe on its LAN, raises an alarm and blocks flooding into the tunnel; when the
// backdoor is removed, flooding resumes. Everything bounded in count and time.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { NetnsSuite } from './lib/suite';
import { ADDR } from './lib/topology';
import { Appliance, Sites, pairSites } from './lib/bridgehead';
import { sleep, waitFor, run, runOk } from './lib/proc';
import { failoverStatus } from './lib/failover';

const S = NetnsSuite.create(__filename, 'loopgd');
const T = S.topo;
const it = S.it.bind(S);
const UNKNOWN_IP = '198.19.10.99'; // nobody has it: its ARP requests are flooded
let sites: Sites | null = null;
const need = (): Sites => { if (!sites) throw new Error('not paired (the first test failed)'); return sites; };
const blocked = async (a: Appliance): Promise<boolean> => (await failoverStatus(a)).dataPlane?.loopGuard?.blocked === true;

describe('loop guard with the defaults of init --site', () => {
  before(() => S.setup({}, ['arping', 'tcpdump']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  it('pair; no loop: nothing blocked', 120000, async () => {
    sites = await pairSites(S, { providerInit: ['--site', 'provider'], tenantInit: ['--site', 'tenant'] });
    await sleep(1500);
    for (const a of [sites.tenant, sites.provider]) {
      const lg = (await failoverStatus(a)).dataPlane?.loopGuard;
      assert.ok(lg && lg.probesSent > 0, `${a.name}: ${JSON.stringify(lg)}`);
      assert.equal(lg.blocked, false);
      assert.equal(lg.foreignSeen, 0);
    }
  });

  it('a backdoor between the two bridges is detected on both appliances within 2 s; flooding into the tunnel is blocked', 60000, async () => {
    const { tenant, provider } = need();
    const ta = T.ns('ta'), pa = T.ns('pa');
    await runOk(['ip', '-n', ta, 'link', 'add', 'bd0', 'type', 'veth', 'peer', 'name', 'bd1', 'netns', pa], { timeoutMs: 5000 });
    await runOk(['ip', '-n', ta, 'link', 'set', 'bd0', 'master', 'br0', 'up'], { timeoutMs: 5000 });
    await runOk(['ip', '-n', pa, 'link', 'set', 'bd1', 'master', 'br0', 'up'], { timeoutMs: 5000 });
    const t0 = Date.now();
    try {
      await waitFor('both appliances block flooding', 10000, async () => (await blocked(tenant)) && (await blocked(provider)), 50);
      process.stdout.write(`# backdoor veth: loop blocked on both appliances ${Date.now() - t0} ms after the link came up (status polling every 50 ms)\n`);
      for (const a of [tenant, provider]) {
        const lines = fs.readFileSync(a.logFile, 'utf8').split('\n').filter((l) => l.includes('"level":50') && l.includes('second L2 path'));
        assert.equal(lines.length, 1, `${a.name}: one alarm line\n${lines.join('\n')}`);
      }
      const text = await tenant.cliOk(['status', '--config', tenant.dir]);
      assert.match(text.stdout, /LOOP: a second L2 path/);
      // the sites still reach each other (over the backdoor), and flooding into the tunnel is dropped, counted
      assert.equal((await T.ping('t1', ADDR.p1, { count: 3, intervalS: 0.2, deadlineS: 5 })).received, 3);
      await T.exec('t1', ['arping', '-c', '3', '-w', '2', '-i', 'eth0', UNKNOWN_IP], { timeoutMs: 5000 });
      const drops = (await failoverStatus(tenant)).snap.drops.loop_blocked ?? 0;
      assert.ok(drops >= 3, `loop_blocked drops at the tenant: ${drops}`);
    } finally {
      await run(['ip', '-n', ta, 'link', 'del', 'bd0'], { timeoutMs: 5000 });
    }
  });

  it('the backdoor removed: both appliances clear the alarm and flooding crosses the tunnel again', 60000, async () => {
    const { tenant, provider } = need();
    const t0 = Date.now();
    await waitFor('both appliances unblocked', 10000, async () => !(await blocked(tenant)) && !(await blocked(provider)), 100);
    process.stdout.write(`# backdoor removed: flooding resumed ${Date.now() - t0} ms later (hold 1.5 s)\n`);
    const capFile = S.logFile('p1-arp.txt');
    const cap = S.track(T.spawn('p1', 'tcpdump-arp', ['timeout', '10', 'tcpdump', '-n', '-l', '-i', 'eth0', '-c', '20', 'arp', 'and', 'host', UNKNOWN_IP], capFile));
    await sleep(1000);
    const d0 = (await failoverStatus(tenant)).snap.drops.loop_blocked ?? 0;
    await T.exec('t1', ['arping', '-c', '3', '-w', '2', '-i', 'eth0', UNKNOWN_IP], { timeoutMs: 5000 });
    await sleep(500);
    await cap.stop('SIGTERM', 3000);
    const seen = fs.readFileSync(capFile, 'utf8').split('\n').filter((l) => l.includes(`who-has ${UNKNOWN_IP}`));
    assert.ok(seen.length >= 3, `t1's broadcasts reached p1 through the tunnel: ${seen.length}`);
    assert.equal((await failoverStatus(tenant)).snap.drops.loop_blocked ?? 0, d0, 'nothing blocked any more');
    assert.equal((await T.ping('t1', ADDR.p1, { count: 3, intervalS: 0.2, deadlineS: 5 })).received, 3);
  });
});
