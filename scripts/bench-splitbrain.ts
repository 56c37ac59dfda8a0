// bench-splitbrain -- issue 17's targets, measured on the namespace topology with the configuration
// `init --site` writes and nothing else (a benchmark, not a test; needs root and a built checkout):
//  1. split-brain detection latency: t1 failed over to a replica at the provider (same IP and MAC);
//     the original comes back at the tenant and sends one gratuitous ARP. Latency = the conflict's
//     detectedMs (tenant appliance) - the moment arping was started (an upper bound of "after the
//     returning copy's first frame"). Runs alternate: pinned (after an explicit failover) and
//     unpinned (after a resolve: verify on move finds the replica). Median and max over --runs.
//  2. --cycles failover/failback cycles of t1 under a 10 ms ping from t2 (tenant LAN): pings lost
//     per move (median, max) and failures (a command that did not exit 0 or a host at the wrong site).
// Run under the shared lock:
//   flock /tmp/bh-netns.lock node dist/scripts/bench-splitbrain.js [--runs 20] [--cycles 100]
import * as fs from 'node:fs';
import { NetnsSuite } from '../test/netns/lib/suite';
import { ADDR, MAC, parsePing } from '../test/netns/lib/topology';
import { Appliance, pairSites } from '../test/netns/lib/bridgehead';
import { sleep, waitFor } from '../test/netns/lib/proc';
import { addReplica, failoverStatus, linkSet, neighbors, nsExec, op } from '../test/netns/lib/failover';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1 || v > 10000) { process.stderr.write(`bench-splitbrain: ${name} must be 1..10000, got ${process.argv[i + 1]}\n`); process.exit(2); }
  return v;
}
for (const a of process.argv.slice(2)) {
  if (a.startsWith('--') && a !== '--runs' && a !== '--cycles') { process.stderr.write(`bench-splitbrain: unknown option ${a} (--runs N, --cycles N)\n`); process.exit(2); }
}
const RUNS = arg('--runs', 20);
const CYCLES = arg('--cycles', 100);

const S = NetnsSuite.create(__filename, 'benchsb');
const T = S.topo;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const siteOf = async (a: Appliance): Promise<string | null> => (await neighbors(a)).entries.find((e) => e.ip === ADDR.t1)?.site ?? null;

async function main(): Promise<void> {
  if (S.skip) throw new Error(`cannot run: ${S.skip}`);
  await S.setup({}, ['arping']);
  const { tenant, provider } = await pairSites(S, { providerInit: ['--site', 'provider'], tenantInit: ['--site', 'tenant'] });
  await T.ping('t1', ADDR.p1, { count: 2, intervalS: 0.2, deadlineS: 5 });
  await waitFor('t1 at the tenant', 15000, async () => (await siteOf(provider)) === 'tenant');
  const replica = await addReplica(S, ADDR.t1, MAC.t1);
  await T.execOk('t1', ['sysctl', '-qw', 'net.ipv6.conf.eth0.disable_ipv6=1']);
  await nsExec(replica, ['sysctl', '-qw', 'net.ipv6.conf.eth0.disable_ipv6=1']);
  const garp = (ns: string) => nsExec(ns, ['arping', '-U', '-c', '1', '-w', '2', '-i', 'eth0', ADDR.t1], 5000);

  // ---- 1. detection latency
  await linkSet(T.ns('t1'), 'eth0', 'down');
  const fo = await op(tenant, ['failover', ADDR.t1]);
  if (fo.code !== 0) throw new Error(`failover: ${JSON.stringify(fo.result)}`);
  await linkSet(replica, 'eth0', 'up');
  await garp(replica);
  const lat: Record<'pinned' | 'verify', number[]> = { pinned: [], verify: [] };
  for (let run = 0; run < RUNS; run++) {
    const kind = run % 2 === 0 ? 'pinned' : 'verify';
    if (kind === 'pinned') {
      const r = await op(tenant, ['failover', ADDR.t1]); // idempotent: pins t1 at the provider
      if (r.code !== 0) throw new Error(`failover (pin): ${JSON.stringify(r.result)}`);
    }
    await sleep(300);
    await linkSet(T.ns('t1'), 'eth0', 'up');
    const t0 = Date.now();
    await garp(T.ns('t1'));
    const c = await waitFor('conflict', 10000, async () => (await failoverStatus(tenant)).conflicts.find((x) => x.ip === ADDR.t1) ?? null, 50);
    lat[kind].push(c.detectedMs - t0);
    process.stdout.write(`run ${run + 1}/${RUNS} (${kind}): ${c.reason} after ${c.detectedMs - t0} ms\n`);
    await linkSet(T.ns('t1'), 'eth0', 'down');
    const r = await op(tenant, ['resolve', ADDR.t1, '--keep', 'provider']);
    if (r.code !== 0) throw new Error(`resolve: ${JSON.stringify(r.result)}`);
    await waitFor('conflict cleared', 10000, async () =>
      (await failoverStatus(tenant)).conflicts.length === 0 && (await failoverStatus(provider)).conflicts.length === 0);
  }

  // ---- 2. failover/failback cycles under a 10 ms ping
  const lost: number[] = [];
  let failures = 0;
  const move = async (dir: 'failback' | 'failover'): Promise<void> => {
    const log = S.logFile('ping-move.txt');
    const ping = S.track(T.spawn('t2', 'ping', ['ping', '-n', '-i', '0.01', '-c', '150', '-w', '4', ADDR.t1], log));
    await sleep(300);
    const [down, up, on] = dir === 'failback' ? [replica, T.ns('t1'), provider] : [T.ns('t1'), replica, tenant];
    await linkSet(down, 'eth0', 'down');
    const r = await op(on, [dir, ADDR.t1]);
    await linkSet(up, 'eth0', 'up');
    await garp(up);
    await ping.waitExit(10000);
    const pr = parsePing(fs.readFileSync(log, 'utf8'));
    lost.push(pr.transmitted - pr.received);
    const want = dir === 'failback' ? 'tenant' : 'provider';
    const ok = r.code === 0 && (await siteOf(tenant)) === want && (await siteOf(provider)) === want;
    if (!ok) { failures++; process.stdout.write(`  ${dir} failed: ${JSON.stringify(r.result)}\n`); }
  };
  for (let cyc = 0; cyc < CYCLES; cyc++) {
    await move('failback');
    await move('failover');
    if ((cyc + 1) % 10 === 0) process.stdout.write(`cycle ${cyc + 1}/${CYCLES}: lost per move so far median ${median(lost)}, max ${Math.max(...lost)}, failures ${failures}\n`);
  }

  const all = [...lat.pinned, ...lat.verify];
  const f = (xs: number[]) => `median ${median(xs)} ms, max ${Math.max(...xs)} ms (n=${xs.length})`;
  process.stdout.write('\n== bench-splitbrain (defaults of init --site, no WAN delay) ==\n');
  process.stdout.write(`detection, all runs:         ${f(all)}\n`);
  process.stdout.write(`detection, pinned host:      ${f(lat.pinned)}\n`);
  process.stdout.write(`detection, verify on move:   ${f(lat.verify)}\n`);
  process.stdout.write(`failover/failback cycles:    ${CYCLES} cycles, ${failures} failures; pings lost per move (10 ms ping): median ${median(lost)}, max ${Math.max(...lost)}\n`);
}

main().then(() => S.teardown(), async (e: Error) => {
  process.stderr.write(`bench-splitbrain: ${e.message}\n`);
  await S.teardown();
  process.exitCode = 1;
});
