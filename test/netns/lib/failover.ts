// Partial-failover helpers for the namespace tests: the two sites paired with failover on, the
// CLI's failover commands, and a replica host (a second namespace at the provider site with
// t1's IP and MAC, or another MAC for split-brain tests).
import type { StatusSnapshot } from '../../../src/ipc/status-types';
import type { FailoverStatus, OpResult } from '../../../src/ipc/failover-replies';
import type { FdbReply, NeighborsReply } from '../../../src/ipc/failover-replies';
import { Appliance, Sites, pairSites } from './bridgehead';
import { describeResult, runOk, run } from './proc';
import { NetnsSuite } from './suite';
import type { NodeName } from './topology';

export const REPLICA = 'r1';

/** pairSites with `init --site`, extra failover settings on both, and the tunnel up. */
export function pairFailoverSites(suite: NetnsSuite, extra: Record<string, unknown> = {}): Promise<Sites> {
  return pairSites(suite, {
    providerInit: ['--site', 'provider'], tenantInit: ['--site', 'tenant'],
    patch: (cfg) => { cfg.failover = { ...cfg.failover, ...extra }; },
  });
}

export async function failoverStatus(a: Appliance): Promise<FailoverStatus & { snap: StatusSnapshot }> {
  const snap = await a.status();
  const f = snap.failover as FailoverStatus | undefined;
  if (!f || f.enabled !== true) throw new Error(`${a.name}: failover is not on: ${JSON.stringify(snap.failover)}`);
  return { ...f, snap };
}

export async function neighbors(a: Appliance): Promise<NeighborsReply> {
  const r = await a.cliOk(['neighbors', '--config', a.dir, '--json'], 10000);
  return JSON.parse(r.stdout) as NeighborsReply;
}

export async function fdb(a: Appliance): Promise<FdbReply> {
  const r = await a.cliOk(['fdb', '--config', a.dir, '--json'], 10000);
  return JSON.parse(r.stdout) as FdbReply;
}

/** failover / failback / resolve through the CLI; returns the parsed result and the exit code. */
export async function op(a: Appliance, args: string[]): Promise<{ code: number | null; result: OpResult; ms: number }> {
  const t0 = Date.now();
  const r = await a.cli([...args, '--config', a.dir, '--json'], 30000);
  const ms = Date.now() - t0;
  try { return { code: r.code, result: JSON.parse(r.stdout) as OpResult, ms }; } catch {
    throw new Error(`${a.name}: ${describeResult(r)}`);
  }
}

/** A host namespace on the LAN bridge br0 of appliance `at` (default the provider's, pa), link down. */
export async function addReplica(suite: NetnsSuite, ip: string, mac: string, at: NodeName = 'pa'): Promise<string> {
  const ns = `${suite.prefix}-${REPLICA}`;
  const pa = suite.topo.ns(at);
  const sh = (argv: string[]) => runOk(argv, { timeoutMs: 10000 });
  await run(['ip', 'netns', 'del', ns], { timeoutMs: 10000 });
  await sh(['ip', 'netns', 'add', ns]);
  await sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  await sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
  await sh(['ip', '-n', pa, 'link', 'add', REPLICA, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await sh(['ip', '-n', ns, 'link', 'set', 'eth0', 'address', mac]);
  await sh(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  await sh(['ip', '-n', pa, 'link', 'set', REPLICA, 'master', 'br0']);
  await sh(['ip', '-n', pa, 'link', 'set', REPLICA, 'up']);
  return ns;
}

export async function removeReplica(suite: NetnsSuite): Promise<void> {
  await run(['ip', 'netns', 'del', `${suite.prefix}-${REPLICA}`], { timeoutMs: 10000 });
}

export function nsExec(ns: string, argv: string[], timeoutMs = 20000) {
  return run(['ip', 'netns', 'exec', ns, ...argv], { timeoutMs });
}

export async function linkSet(ns: string, dev: string, state: 'up' | 'down'): Promise<void> {
  await runOk(['ip', '-n', ns, 'link', 'set', dev, state], { timeoutMs: 5000 });
}

/** The bridge port that br0 in `ns` has learned `mac` on, or null. */
export async function bridgePortOf(ns: string, mac: string): Promise<string | null> {
  const r = await runOk(['ip', 'netns', 'exec', ns, 'bridge', '-j', 'fdb', 'show', 'br', 'br0'], { timeoutMs: 5000 });
  const rows = JSON.parse(r.stdout || '[]') as Array<{ mac: string; ifname: string; flags?: string[]; state?: string }>;
  const row = rows.find((x) => x.mac.toLowerCase() === mac && !(x.flags ?? []).includes('self') && x.state !== 'permanent');
  return row?.ifname ?? null;
}
