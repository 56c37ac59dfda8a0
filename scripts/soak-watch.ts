// soak-watch.ts -- the soak's observer (scripts/soak.sh): polls the control sockets of the paired
// daemons once a second for a bounded time and reports, per daemon, what a soak must show:
// tunnel teardowns (the peer leaves state 'up'), handshakes completed (re-keying: the last
// handshake's age drops), resident memory at the start (after the warm-up) and the end, and the
// drop counters' growth by reason, and every SAMPLE seconds a memory sample (the curve that tells
// a leak from a warm-up plateau): VmRSS with its anonymous and file-backed parts
// (/proc/<pid>/status) and the V8 heap used/total, external and arrayBuffers (the status
// snapshot's `memory`; null from a daemon that does not report it). Built by tsc to
// dist/scripts/soak-watch.js.
//
//   node dist/scripts/soak-watch.js --seconds S --warmup W [--sample-s N] --daemon NAME:SOCKET:PID [--daemon ...]
// One JSON line at the end: {"event":"soak-watch","daemons":[{name, teardowns, downSeconds,
// handshakes, polls, failedPolls, rssStartKB, rssEndKB, rssMaxKB, rssDriftPct, rssDriftLastHalfPct,
// drops:{reason:n},
// samples:[{t, rssKB, anonKB, fileKB, heapUsedKB, heapTotalKB, externalKB, arrayBuffersKB}]}]}
// (t: the poll's second since the start; every --sample-s (10) seconds, and at the end).
// rssDriftPct is end against start (after the warm-up); rssDriftLastHalfPct end against the sample
// at half time: what tells a leak (grows on in the second half) from a warm-up that levelled off.
// A poll that fails (daemon gone) counts as a teardown while the daemon stays unreachable.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { callCtlsock } from '../src/ipc/ctlsock-client';
import type { StatusSnapshot } from '../src/ipc/status-types';

function fail(msg: string): never {
  process.stderr.write(`soak-watch: ${msg}\n`);
  process.exit(2);
}
const { values } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: { seconds: { type: 'string' }, warmup: { type: 'string' }, 'sample-s': { type: 'string' },
    daemon: { type: 'string', multiple: true } },
});
const int = (name: string, v: string | undefined, min: number, max: number): number => {
  const n = Number(v);
  if (v === undefined || !/^\d+$/.test(v) || n < min || n > max) fail(`bad or missing --${name} '${v ?? ''}' (${min}..${max})`);
  return n;
};
const seconds = int('seconds', values.seconds, 1, 86_400);
const warmup = int('warmup', values.warmup ?? '0', 0, seconds - 1);
const sampleS = int('sample-s', values['sample-s'] ?? '10', 1, 3600);
if (!values.daemon?.length) fail('at least one --daemon NAME:SOCKET:PID is required');

interface Watched {
  name: string; sock: string; pid: number;
  up: boolean | null; teardowns: number; downSeconds: number; handshakes: number; lastAge: number | null;
  polls: number; failedPolls: number; rssStartKB: number | null; rssEndKB: number | null; rssMaxKB: number;
  drops0: Record<string, number> | null; drops: Record<string, number>; samples: MemorySample[];
}
interface MemorySample {
  t: number; rssKB: number | null; anonKB: number | null; fileKB: number | null;
  heapUsedKB: number | null; heapTotalKB: number | null; externalKB: number | null; arrayBuffersKB: number | null;
}
const daemons: Watched[] = values.daemon.map((d) => {
  const m = /^([\w-]+):(.+):(\d+)$/.exec(d);
  if (!m) fail(`bad --daemon '${d}' (NAME:SOCKET:PID)`);
  return { name: m[1], sock: m[2], pid: Number(m[3]), up: null, teardowns: 0, downSeconds: 0, handshakes: 0, lastAge: null,
    polls: 0, failedPolls: 0, rssStartKB: null, rssEndKB: null, rssMaxKB: 0, drops0: null, drops: {}, samples: [] };
});

/** VmRSS, RssAnon and RssFile of the process in KiB (nulls when it is gone). */
function residentKB(pid: number): { rss: number | null; anon: number | null; file: number | null } {
  let text = '';
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rss: null, anon: null, file: null };
  }
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  return { rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') };
}

const kB = (bytes: number | undefined): number | null => (typeof bytes === 'number' ? Math.round(bytes / 1024) : null);

async function poll(w: Watched, elapsedS: number, sampleAt: number | null): Promise<void> {
  w.polls++;
  const res = residentKB(w.pid);
  const rss = res.rss;
  let mem: StatusSnapshot['memory'] | undefined;
  if (rss !== null) {
    w.rssMaxKB = Math.max(w.rssMaxKB, rss);
    if (elapsedS >= warmup && w.rssStartKB === null) w.rssStartKB = rss;
    w.rssEndKB = rss;
  }
  let up = false;
  try {
    const s = (await callCtlsock(w.sock, 'status', {}, 900)) as StatusSnapshot;
    mem = s.memory;
    const p = s.peers[0];
    up = p?.state === 'up';
    const age = p?.lastHandshakeAgeMs ?? null;
    if (age !== null && w.lastAge !== null && age < w.lastAge) w.handshakes++;
    w.lastAge = age;
    if (w.drops0 === null) w.drops0 = { ...s.drops };
    for (const [k, v] of Object.entries(s.drops)) w.drops[k] = v - (w.drops0[k] ?? 0);
  } catch {
    w.failedPolls++;
  }
  if (sampleAt !== null) {
    w.samples.push({ t: sampleAt, rssKB: rss, anonKB: res.anon, fileKB: res.file,
      heapUsedKB: kB(mem?.heapUsed), heapTotalKB: kB(mem?.heapTotal), externalKB: kB(mem?.external),
      arrayBuffersKB: kB(mem?.arrayBuffers) });
  }
  if (w.up === true && !up) w.teardowns++;
  if (!up) w.downSeconds++;
  w.up = up;
}

/** RSS drift from the first sample at or after half time to the last sample, in %. */
function lastHalfDrift(samples: MemorySample[]): number | null {
  const mid = samples.find((s) => s.t >= seconds / 2 && s.rssKB !== null);
  const end = samples[samples.length - 1];
  if (!mid?.rssKB || !end?.rssKB || mid === end) return null;
  return Number((((end.rssKB - mid.rssKB) / mid.rssKB) * 100).toFixed(2));
}

async function main(): Promise<void> {
  const t0 = Date.now();
  for (let i = 0; i <= seconds; i++) {
    const elapsed = (Date.now() - t0) / 1000;
    await Promise.all(daemons.map((w) => poll(w, elapsed, i % sampleS === 0 || i === seconds ? i : null)));
    const next = t0 + (i + 1) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  process.stdout.write(`${JSON.stringify({
    event: 'soak-watch',
    daemons: daemons.map((w) => ({
      name: w.name, teardowns: w.teardowns, downSeconds: w.downSeconds, handshakes: w.handshakes, polls: w.polls,
      failedPolls: w.failedPolls, rssStartKB: w.rssStartKB, rssEndKB: w.rssEndKB, rssMaxKB: w.rssMaxKB,
      rssDriftPct: w.rssStartKB && w.rssEndKB ? Number((((w.rssEndKB - w.rssStartKB) / w.rssStartKB) * 100).toFixed(2)) : null,
      rssDriftLastHalfPct: lastHalfDrift(w.samples),
      drops: Object.fromEntries(Object.entries(w.drops).filter(([, v]) => v !== 0)),
      samples: w.samples,
    })),
  })}\n`);
}
void main();
