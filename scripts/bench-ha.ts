// bench-ha -- issue 14's targets on the namespace topology (a benchmark, not a test; needs root,
// keepalived and a built checkout): an HA pair at the provider site (test/netns/lib/ha.ts),
// keepalived advert interval 500 ms, nopreempt.
//  1. takeover after the active's "VM" dies: every process of its namespace SIGKILLed, its links
//     down, in the middle of a 10 ms ping t1 -> p1 across the tunnel. Gap = the longest time
//     between two consecutive replies (ping -D timestamps). --runs times (the killed member comes
//     back as standby after each run, so the pair alternates). Median, p99 (nearest rank), max.
//  2. planned switchover (`bridgehead ha handover` on the active) under the same ping, --planned
//     times: gap and pings lost.
//  Duplicates: replies ping marks DUP! (a frame delivered twice), summed over all runs.
// Run under the shared lock:
//   flock /tmp/bh-netns.lock nice -n 19 node dist/scripts/bench-ha.js [--runs 20] [--planned 10]
import { NetnsSuite } from '../test/netns/lib/suite';
import { ADDR } from '../test/netns/lib/topology';
import { sleep, waitFor } from '../test/netns/lib/proc';
import { HaMember, pairHaSites } from '../test/netns/lib/ha';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1 || v > 1000) { process.stderr.write(`bench-ha: ${name} must be 1..1000, got ${process.argv[i + 1]}\n`); process.exit(2); }
  return v;
}
for (const a of process.argv.slice(2)) {
  if (a.startsWith('--') && a !== '--runs' && a !== '--planned') { process.stderr.write(`bench-ha: unknown option ${a} (--runs N, --planned N)\n`); process.exit(2); }
}
const RUNS = arg('--runs', 20);
const PLANNED = arg('--planned', 10);
const S = NetnsSuite.create(__filename, 'benchha');
const T = S.topo;

interface Gap { gapMs: number; lost: number; dups: number; sent: number }

/** ping -D -i 0.01 output -> the longest time between consecutive (non-duplicate) replies. */
function timedGap(out: string): Gap {
  const times: number[] = [];
  let dups = 0;
  for (const l of out.split('\n')) {
    const m = /^\[(\d+\.\d+)\] .*bytes from .*icmp_seq=\d+/.exec(l);
    if (!m) continue;
    if (/DUP!/.test(l)) { dups++; continue; }
    times.push(Number(m[1]) * 1000);
  }
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  const st = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(out);
  const sent = st ? Number(st[1]) : 0;
  return { gapMs: Math.round(gap), lost: sent - times.length, dups, sent };
}

async function pingDuring(count: number, leadMs: number, action: () => Promise<unknown>): Promise<Gap> {
  const p = T.exec('t1', ['ping', '-D', '-n', '-i', '0.01', '-c', String(count), '-w', String(Math.ceil(count / 100) + 20), '-W', '1', ADDR.p1],
    { timeoutMs: (count / 100 + 30) * 1000 });
  await sleep(leadMs);
  await action();
  const r = await p;
  return timedGap(r.stdout + r.stderr);
}

async function roles(pa: HaMember, pb: HaMember): Promise<{ active: HaMember; standby: HaMember }> {
  return (await pa.ha()).active ? { active: pa, standby: pb } : { active: pb, standby: pa };
}

async function standbyReady(m: HaMember): Promise<void> {
  await waitFor(`${m.node} standby ready`, 30000, async () => {
    const h = await m.ha();
    return !h.active && h.role === 'backup' && h.table.hosts >= 2 && h.peerMember?.alive === true && h.steppedDown === null;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = median(s);
  const p99 = s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)];
  return `median ${med} ms, p99 ${p99} ms, max ${s[s.length - 1]} ms (n=${s.length})`;
}

async function main(): Promise<number> {
  if (S.skip) { process.stderr.write(`bench-ha: ${S.skip}\n`); return 2; }
  await S.setup({}, ['keepalived']);
  try {
    const { pa, pb } = await pairHaSites(S);
    await T.ping('t1', ADDR.p1, { count: 3, intervalS: 0.2, deadlineS: 5 });
    await standbyReady(pb);
    const kills: number[] = [];
    let dups = 0;
    for (let i = 1; i <= RUNS; i++) {
      const { active, standby } = await roles(pa, pb);
      const g = await pingDuring(700, 2000, () => active.kill());
      await standby.waitRole(true, 20000);
      kills.push(g.gapMs);
      dups += g.dups;
      process.stdout.write(`kill ${i}/${RUNS} (${active.node} -> ${standby.node}): gap ${g.gapMs} ms, ${g.lost}/${g.sent} lost, ${g.dups} dup\n`);
      await active.revive();
      await standbyReady(active);
    }
    const planned: number[] = [];
    const plannedLost: number[] = [];
    for (let i = 1; i <= PLANNED; i++) {
      const { active, standby } = await roles(pa, pb);
      await standbyReady(standby);
      const g = await pingDuring(400, 1500, () => active.app.cliOk(['ha', 'handover', '--config', active.app.dir]));
      await standby.waitRole(true, 20000);
      planned.push(g.gapMs);
      plannedLost.push(g.lost);
      dups += g.dups;
      process.stdout.write(`handover ${i}/${PLANNED} (${active.node} -> ${standby.node}): gap ${g.gapMs} ms, ${g.lost}/${g.sent} lost, ${g.dups} dup\n`);
      await standbyReady(active);
    }
    process.stdout.write(`\ntakeover after kill -9 + links down (10 ms ping t1 -> p1): ${stats(kills)}\n`);
    process.stdout.write(`planned switchover (ha handover): gap ${stats(planned)}; pings lost median ${median(plannedLost)}, max ${Math.max(...plannedLost)}\n`);
    process.stdout.write(`duplicated replies (DUP!) over all ${RUNS + PLANNED} runs: ${dups}\n`);
    return 0;
  } catch (e) {
    S.failed = true;
    process.stderr.write(`bench-ha: ${(e as Error).message}\n${S.logTails(30)}\n`);
    return 1;
  } finally {
    await S.teardown();
  }
}

void main().then((c) => process.exit(c));
