// Thread CPU affinity of the data plane (docs/INTERNALS.md 2g, issue 15): the setting's spelling
// (config key `cpuAffinity`, env BRIDGEHEAD_CPU_AFFINITY) and the choice of the CPU pair from the
// process's allowed CPUs. Pure: the daemon passes in the allowed list (addon allowedCpus(), i.e.
// sched_getaffinity) and the tenant index, and gives the result to the data plane.
//
//   'off'      no pinning: the scheduler places bh-rx and bh-tx (the behaviour before issue 15)
//   'spread'   bh-rx and bh-tx on two different allowed CPUs; tenant i of a multi-tenant
//              appliance takes positions 2i and 2i+1 of the allowed list (cyclically; with an even
//              count each pass is shifted by one, so with two CPUs tenants alternate rx on the
//              first and on the second). One allowed CPU: nothing to spread, no pinning.
//   'RX,TX'    explicit CPU numbers (may be equal); each must be in the allowed list at start

export type CpuAffinity = { kind: 'off' } | { kind: 'spread' } | { kind: 'pair'; rx: number; tx: number };

/** Highest CPU number accepted (native BH_CPU_MAX: CPU_SETSIZE - 1). */
export const CPU_MAX = 1023;
export const CPU_AFFINITY_SPELLING = "'off', 'spread' or 'RX,TX' (two CPU numbers, e.g. '0,1')";

/** Parses the setting; returns an error text (without the key's name) for anything else. */
export function parseCpuAffinity(v: unknown): CpuAffinity | string {
  if (v === 'off') return { kind: 'off' };
  if (v === 'spread') return { kind: 'spread' };
  if (typeof v === 'string') {
    const m = /^\s*(\d{1,4})\s*,\s*(\d{1,4})\s*$/.exec(v);
    if (m) {
      const rx = Number(m[1]);
      const tx = Number(m[2]);
      if (rx > CPU_MAX || tx > CPU_MAX) return `CPU ${Math.max(rx, tx)} is above ${CPU_MAX}`;
      return { kind: 'pair', rx, tx };
    }
  }
  return `expected ${CPU_AFFINITY_SPELLING}, got ${JSON.stringify(v)}`;
}

/** The setting back in its spelling (status, logs). */
export function formatCpuAffinity(a: CpuAffinity): string {
  return a.kind === 'pair' ? `${a.rx},${a.tx}` : a.kind;
}

/** "0-3,6" style (as in /proc Cpus_allowed_list). */
export function formatCpuList(cpus: readonly number[]): string {
  const s = [...cpus].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(j > i ? `${s[i]}-${s[j]}` : `${s[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export type CpuChoice =
  | { pin: { rx: number; tx: number } }
  | { pin: null; note?: string } // not pinned; note: why, to log once ('spread' with one CPU)
  | { error: string };

/** The CPUs for one data plane: `allowed` is the process's allowed CPUs, `tenant` the tenant index
 *  (0 for a single appliance and a provider's front). */
export function chooseCpus(a: CpuAffinity, allowed: readonly number[], tenant = 0): CpuChoice {
  const cpus = [...new Set(allowed)].sort((x, y) => x - y);
  if (a.kind === 'off') return { pin: null };
  if (a.kind === 'pair') {
    for (const c of [a.rx, a.tx]) {
      if (!cpus.includes(c)) return { error: `cpuAffinity ${a.rx},${a.tx}: CPU ${c} is not among this process's allowed CPUs (${formatCpuList(cpus) || 'none'})` };
    }
    return { pin: { rx: a.rx, tx: a.tx } };
  }
  const n = cpus.length;
  if (n < 2) return { pin: null, note: `cpuAffinity spread: only one CPU allowed (${formatCpuList(cpus) || 'none'}), threads not pinned` };
  const t = Math.max(0, Math.floor(tenant));
  const first = 2 * t + (n % 2 === 0 ? Math.floor((2 * t) / n) : 0);
  return { pin: { rx: cpus[first % n], tx: cpus[(first + 1) % n] } };
}
