// Text rendering of the partial-failover replies: `neighbors`, `fdb`, `failover`/`failback`/
// `resolve` results and the `failover:` block of `status`. Pure: data in, text out. Strings that
// came from the network are stripped of control characters.

import type { FdbReply, NeighborsReply } from '../ipc/failover-replies';
import type { FailoverStatus, OpItem, OpResult } from '../ipc/failover-replies';

// eslint-disable-next-line no-control-regex
const clean = (s: unknown): string => (s === null || s === undefined ? '-' : String(s).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'));
const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

export function formatAge(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.floor(ms)}ms`;
  if (ms < 120_000) return `${Math.floor(ms / 1000)}s`;
  if (ms < 7_200_000) return `${Math.floor(ms / 60_000)}m`;
  return `${Math.floor(ms / 3_600_000)}h`;
}

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export function isNeighborsReply(x: unknown): x is NeighborsReply {
  return isObj(x) && typeof x.site === 'string' && Array.isArray(x.entries) && x.entries.every(isObj);
}

export function isFdbReply(x: unknown): x is FdbReply {
  return isObj(x) && Array.isArray(x.entries) && x.entries.every(isObj);
}

export function isOpResult(x: unknown): x is OpResult {
  return isObj(x) && typeof x.op === 'string' && typeof x.ok === 'boolean' && Array.isArray(x.items) && x.items.every(isObj);
}

export function formatNeighbors(r: NeighborsReply): string {
  if (r.entries.length === 0) return `no neighbors known (this appliance serves the ${clean(r.site)} site)\n`;
  return table(['IP', 'MAC', 'SITE', 'AGE', 'ORIGIN', 'SEQ', 'FLAGS'], r.entries.map((e) => [
    clean(e.ip), clean(e.mac), clean(e.site), formatAge(e.ageMs), clean(e.origin), clean(e.seq),
    [e.router ? 'router' : '', e.frozen ? 'frozen' : '', e.conflict ? `conflict:${clean(e.conflict)}` : ''].filter(Boolean).join(',') || '-',
  ]));
}

export function formatFdb(r: FdbReply): string {
  if (r.entries.length === 0) return 'mac table empty\n';
  return table(['MAC', 'SITE', 'PEER', 'AGE', 'ORIGIN'], r.entries.map((e) => [clean(e.mac), clean(e.site), clean(e.peer), formatAge(e.ageMs),
    clean(e.origin ?? 'learned')]));
}

const REASONS: Record<string, string> = {
  'unknown-host': 'no such host is known to either appliance',
  'already-there': 'the host is already at that site',
  'in-conflict': 'the host is in conflict; resolve it first (bridgehead resolve HOST --keep SITE)',
  'still-answers': 'the original still answers at its site (split-brain risk); stop it first or use --force',
  'no-conflict': 'there is no conflict for this host',
  'probe-failed': 'could not probe the host at its current site (peer unreachable?); use --force to move it anyway',
  'no-peer': 'no peer appliance is configured',
  'bad-site': 'no such site (a site name a peer announced, this site\'s, or the role of one: see bridgehead status)',
  'need-site': 'several sites have that role; name the site (--to SITE, --keep SITE)',
};

function formatItem(op: string, i: OpItem): string {
  const probe = i.probe ? ` (probe on the ${clean(i.probe.lan)} LAN: ${clean(i.probe.result)}${i.probe.mac ? ` from ${clean(i.probe.mac)}` : ''})` : '';
  switch (i.outcome) {
    case 'moved': return `${clean(i.ip)}: moved ${clean(i.from)} -> ${clean(i.to)} (seq ${clean(i.seq)})${probe}`;
    case 'plan': return `${clean(i.ip)}: would move ${clean(i.from)} -> ${clean(i.to)} (seq ${clean(i.seq)}); dry run, nothing changed${probe}`;
    case 'resolved': return `${clean(i.ip)}: resolved, keeping the ${clean(i.to)} copy (seq ${clean(i.seq)})`;
    case 'unchanged': return `${clean(i.ip)}: already at the ${clean(i.to)} site, nothing changed (pinned there)`;
    default: return `${clean(i.ip)}: ${op} refused: ${REASONS[String(i.reason)] ?? clean(i.reason)}${probe}`;
  }
}

export function formatOpResult(r: OpResult): string {
  return `${r.items.map((i) => formatItem(r.op, i)).join('\n')}\n`;
}

/** The `failover:` block of `bridgehead status` (lines without the trailing newline). */
export function formatFailoverStatus(f: unknown): string[] {
  if (!isObj(f)) return [];
  if (f.enabled !== true) return ['', 'failover: off'];
  const s = f as unknown as FailoverStatus;
  const role = typeof s.role === 'string' && s.role !== s.site ? ` (${clean(s.role)})` : '';
  const out = ['', `failover: on, site ${clean(s.site)}${role}, conflict policy ${clean(s.policy)}`];
  for (const p of Array.isArray(s.peers) ? s.peers : []) {
    const named = typeof p.peerSite === 'string' && p.peerSite !== p.name ? ` (site ${clean(p.peerSite)})` : '';
    out.push(`  peer ${clean(p.name)}${named}: sync ${p.up ? 'up' : 'down'}${p.syncing ? ' (syncing)' : ''}, ${clean(p.hosts)} hosts, ` +
      `sharing ${clean(p.sharing)}, learned ${clean(p.remote)} from the peer${p.siteMismatch ? ', SITE MISMATCH: both appliances serve the same site' : ''}`);
  }
  const dp = isObj(s.dataPlane) ? s.dataPlane : null;
  if (dp) {
    out.push(`  proxied: ${clean(dp.arpProxied)} arp, ${clean(dp.ndProxied)} nd; quarantined macs: ${clean(dp.quarantinedMacs)}`);
    const nt = dp.neighTable;
    if (isObj(nt)) out.push(`  neighbor table: ${clean(nt.size)}/${clean(nt.capacity)} (moved ${clean(nt.moved)}, conflicts ${clean(nt.conflicts)}, full ${clean(nt.full)}, aged ${clean(nt.aged)})`);
    const lg = dp.loopGuard;
    if (isObj(lg)) {
      out.push(lg.blocked ? '  LOOP: a second L2 path connects this LAN with the other site; flooding into the tunnel is blocked until it is removed'
        : `  loop guard: no loop (loops seen ${clean(lg.loops)})`);
    }
  }
  const c = isObj(s.counters) ? s.counters : {};
  out.push(`  moves: ${clean(c.moves ?? 0)} (failovers ${clean(c.failovers ?? 0)}, failbacks ${clean(c.failbacks ?? 0)}), ` +
    `conflicts ${clean(c.conflicts ?? 0)}, quarantines ${clean(c.quarantines ?? 0)}, resolves ${clean(c.resolves ?? 0)}`);
  const conflicts = Array.isArray(s.conflicts) ? s.conflicts : [];
  if (conflicts.length === 0) out.push('  conflicts: none');
  else {
    out.push('  conflicts:');
    for (const k of conflicts) {
      const q = k.quarantined ? `, ${clean(k.quarantined.site)} copy ${clean(k.quarantined.mac)} quarantined` : ', nothing cut (log-only)';
      const sites = Array.isArray(k.sites) && k.sites.length === 2 ? k.sites : ['tenant', 'provider'];
      const two = sites.includes('tenant') && sites.includes('provider');
      const copies = two ? `tenant ${clean(k.macs?.tenant)}, provider ${clean(k.macs?.provider)}`
        : `${clean(sites[0])} ${clean(k.macs?.[sites[0]])} on record, ${clean(sites[1])} ${clean(k.macs?.[sites[1]])} seen`;
      out.push(`    ${clean(k.ip)}: ${clean(k.reason)} (${copies})${q}`);
    }
  }
  return out;
}
