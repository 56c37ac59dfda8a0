// CPU time of the data plane's threads (named bh-tx, bh-rx, bh-send by bh_dp_thread_setup), read
// from /proc/self/task/<tid>/{comm,stat} when /metrics is scraped. No native call, no per-packet
// cost: the kernel keeps the figures anyway.

import * as fs from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux architecture we build for. */
const USER_HZ = 100;
const PREFIX = 'bh-';
/** A process has a handful of threads; more than this is not ours to walk on every scrape. */
const MAX_TASKS = 256;

export interface ThreadCpu { thread: string; seconds: number }

/** utime + stime (fields 14 and 15) of one /proc/.../stat line; the comm field may hold spaces
 *  and parentheses, so fields are counted after the last ')'. */
export function cpuSecondsFromStat(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const f = stat.slice(close + 2).split(' ');
  // f[0] is field 3 (state): utime is field 14 -> f[11], stime field 15 -> f[12]
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return (utime + stime) / USER_HZ;
}

/** CPU seconds per data-plane thread name (summed if a name repeats), sorted by name. */
export function dataPlaneThreadCpu(taskDir = '/proc/self/task'): ThreadCpu[] {
  let tids: string[];
  try { tids = fs.readdirSync(taskDir).slice(0, MAX_TASKS); } catch { return []; }
  const byName = new Map<string, number>();
  for (const tid of tids) {
    try {
      const comm = fs.readFileSync(`${taskDir}/${tid}/comm`, 'utf8').trim();
      if (!comm.startsWith(PREFIX)) continue;
      const s = cpuSecondsFromStat(fs.readFileSync(`${taskDir}/${tid}/stat`, 'utf8'));
      if (s !== null) byName.set(comm, (byName.get(comm) ?? 0) + s);
    } catch { /* the thread ended while we looked */ }
  }
  return [...byName].sort(([a], [b]) => a.localeCompare(b)).map(([thread, seconds]) => ({ thread, seconds }));
}
