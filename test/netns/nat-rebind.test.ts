// NAT rebinding (issue 11): mid-stream the tenant's NAT maps it to a new public port (the
// masquerade rule moves to ports 40000-40999 and conntrack is flushed, as a CGNAT or a rebooted
// home router does). The provider follows the tenant to the new port on the first authenticated
// packet from it; traffic resumes within one keepalive interval in both directions: at once for a
// stream the tenant sends, within the tenant's persistent keepalive for a stream the provider sends
// (the new mapping only exists once the tenant sends something).
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { NetnsSuite } from './lib/suite';
import { ADDR, NodeName } from './lib/topology';
import { Sites, pairSites, patchConfig } from './lib/bridgehead';
import { sleep, waitFor } from './lib/proc';
import * as fs from 'node:fs';

const S = NetnsSuite.create(__filename, 'nrb');
const T = S.topo;
const KEEPALIVE_S = 5;       // the tenant's persistent keepalive for this test (default 25)
const INTERVAL_S = 0.2;
let sites: Sites | null = null;
let rebinds = 0;

/** The masquerade rule moves to another port range and every NAT mapping is forgotten. */
async function rebindNat(): Promise<void> {
  rebinds++;
  const lo = 40000 + rebinds * 1000;
  await T.execOk('nat', ['nft', 'flush', 'chain', 'ip', 'bhnat', 'postrouting']);
  await T.execOk('nat', ['nft', 'add', 'rule', 'ip', 'bhnat', 'postrouting', 'oifname', 'wan0', 'meta', 'l4proto', 'udp',
    'masquerade', 'to', `:${lo}-${lo + 999}`]);
  await T.execOk('nat', ['nft', 'add', 'rule', 'ip', 'bhnat', 'postrouting', 'oifname', 'wan0', 'masquerade']);
  await T.execOk('nat', ['conntrack', '-F']);
}

/** Longest run of missing echo replies (in pings) between the first and the last sent. */
function longestGap(replies: string[], transmitted: number): number {
  const got = new Set(replies.map((l) => Number((/icmp_seq=(\d+)/.exec(l) ?? [])[1])));
  let worst = 0, run = 0;
  for (let seq = 1; seq <= transmitted; seq++) {
    if (got.has(seq)) run = 0; else worst = Math.max(worst, ++run);
  }
  return worst;
}

async function providerSeesTenantAt(): Promise<string | null> {
  return (await sites!.provider.status()).peers[0]?.endpoint ?? null;
}

async function streamAcrossRebind(from: NodeName, to: string, boundS: number): Promise<void> {
  const before = await providerSeesTenantAt();
  const count = Math.round((boundS + 8) / INTERVAL_S);
  const stream = T.ping(from, to, { count, intervalS: INTERVAL_S, deadlineS: Math.ceil(count * INTERVAL_S) + 5 });
  await sleep(2000);
  await rebindNat();
  const p = await stream;
  const gap = longestGap(p.replies, p.transmitted);
  const after = await providerSeesTenantAt();
  process.stdout.write(`# ${from} -> ${to}: tenant ${before} -> ${after}; ${p.received}/${p.transmitted} replies, ` +
    `longest gap ${gap} pings (${(gap * INTERVAL_S).toFixed(1)} s)\n`);
  assert.notEqual(after, before, 'the tenant has a new public port');
  assert.match(after ?? '', new RegExp(`^${ADDR.natOut.replace(/\./g, '\\.')}:4\\d{4}$`));
  assert.ok(gap * INTERVAL_S <= boundS, `traffic stopped for ${(gap * INTERVAL_S).toFixed(1)} s (bound ${boundS} s)\n${p.raw}`);
  const tail = p.replies.slice(-5);
  assert.equal(tail.length, 5, 'the stream runs at the end');
}

describe('NAT rebinding: the tenant gets a new public port mid-stream, traffic resumes', () => {
  before(() => S.setup(), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair the sites; the tenant keeps its NAT mapping alive every 5 s (reloaded with SIGHUP)', 120000, async () => {
    sites = await pairSites(S);
    const mark = fs.statSync(sites.tenant.logFile).size;
    patchConfig(sites.tenant, (c) => { for (const p of c.peers) p.persistentKeepaliveS = KEEPALIVE_S; });
    sites.tenant.daemon!.signal('SIGHUP');
    await waitFor('tenant reload', 5000, async () => /config reloaded/.test(fs.readFileSync(sites!.tenant.logFile, 'utf8').slice(mark)));
  });

  // The tenant's packets create the new mapping and the provider roams to it at once: well
  // within one (passive, 10 s) keepalive interval.
  S.it('tenant -> provider stream: resumes at once', 60000, () => streamAcrossRebind('t1', ADDR.p1, 3));

  // Only the provider sends: the old mapping is gone, so nothing gets through until the tenant's
  // persistent keepalive opens the new one and authenticates it to the provider.
  S.it('provider -> tenant stream: resumes within the tenant\'s keepalive interval', 60000,
    () => streamAcrossRebind('p1', ADDR.t1, KEEPALIVE_S + 2));
});
