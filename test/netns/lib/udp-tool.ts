// udp-tool.ts -- small, bounded UDP traffic tools for the namespace tests (compiled to
// dist/test/netns/lib/udp-tool.js and run inside a namespace with `ip netns exec`):
//
//   node udp-tool.js garbage --to IP:PORT --count N --seed S [--pps R] [--max-seconds T] [--bind IP:PORT]
//       N random datagrams (sizes 1..1500; a share shaped like bridgehead messages: type 1/164
//       bytes, type 2/92 bytes, type 4/>=32 bytes, and off-by-one sizes), paced at R per second,
//       stopping after N datagrams or T seconds.  Prints {"sent":..,"bytes":..,"errors":..,"ms":..}.
//   node udp-tool.js send --to IP:PORT --data STRING [--count N] [--interval-ms M]
//       N copies of STRING (default 3), M ms apart.  Prints {"sent":..}.
//   node udp-tool.js echo --listen IP:PORT --max-seconds T [--max-packets N]
//       echoes datagrams back until T seconds or N packets.  Prints {"echoed":..} at the end.
//   node udp-tool.js ping --to IP:PORT --count N [--interval-ms M] [--wait-ms W] [--bind IP:PORT]
//       N numbered datagrams to an echo server; prints {"sent":..,"received":..,"rttMs":[..]}.
// Without arguments it does nothing and exits 0 (so a test runner that loads every .js under
// test/ is harmless).  Bad arguments: one line naming the value, exit 2.
import * as dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { Rng } from '../../../scripts/wan-emu-core';

function fail(msg: string): never { process.stderr.write(`udp-tool: ${msg}\n`); process.exit(2); }

function ep(name: string, v: string | undefined): { address: string; port: number } {
  const m = v ? /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v) : null;
  if (!m) fail(`bad or missing --${name} '${v ?? ''}' (want IPv4:PORT)`);
  return { address: m[1], port: Number(m[2]) };
}
function num(name: string, v: string | undefined, dflt: number | null, min: number, max: number): number {
  if (v === undefined) { if (dflt === null) fail(`--${name} is required`); return dflt; }
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) fail(`bad --${name} '${v}' (${min}..${max})`);
  return n;
}

/** One garbage datagram: random, or shaped like a bridgehead message with random content. */
export function garbageDatagram(rng: Rng): Buffer {
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const kind = rng.next();
  let size: number, type: number | null = null;
  if (kind < 0.30) size = int(1, 1500);
  else if (kind < 0.45) { type = 1; size = 164; }
  else if (kind < 0.55) { type = 2; size = 92; }
  else if (kind < 0.80) { type = 4; size = int(32, 1500); }
  else if (kind < 0.90) { const s = [[1, 163], [1, 165], [2, 91], [2, 93], [4, 31], [4, 16]][int(0, 5)]; type = s[0]; size = s[1]; }
  else { type = [0, 1, 2, 3, 4, 5, 255][int(0, 6)]; size = int(1, 4); }
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = int(0, 255);
  if (type !== null) {
    b[0] = type;
    if (size >= 4 && rng.next() < 0.8) { b[1] = type === 4 ? int(0, 2) : 0; b[2] = 0; b[3] = 0; }
    if (size >= 8 && rng.next() < 0.3) b.writeUInt32LE(int(0, 8), 4);   // small indices, like real ones
  }
  return b;
}

function garbage(v: Record<string, string | undefined>): void {
  const to = ep('to', v.to);
  const count = num('count', v.count, null, 1, 1e6);
  const rng = new Rng(num('seed', v.seed, 1, 0, 2 ** 32 - 1));
  const pps = num('pps', v.pps, 2000, 1, 1e6);
  const maxMs = num('max-seconds', v['max-seconds'], 30, 0.1, 600) * 1000;
  const sock = dgram.createSocket('udp4');
  let sent = 0, bytes = 0, errors = 0, inFlight = 0, ended = false;
  const t0 = Date.now();
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    const finish = () => {
      process.stdout.write(JSON.stringify({ sent, bytes, errors, ms: Date.now() - t0, reason }) + '\n');
      sock.close();
    };
    if (inFlight === 0) finish();
    else { const w = setInterval(() => { if (inFlight === 0 || Date.now() - t0 > maxMs + 2000) { clearInterval(w); finish(); } }, 10); }
  };
  const tick = () => {
    if (ended) return;
    const elapsed = Date.now() - t0;
    if (elapsed >= maxMs) return end('max-seconds');
    const due = Math.min(count, Math.floor((elapsed / 1000) * pps) + 1);
    while (sent < due) {
      const d = garbageDatagram(rng);
      sent++; bytes += d.length; inFlight++;
      sock.send(d, to.port, to.address, (err) => { inFlight--; if (err) errors++; });
    }
    if (sent >= count) return end('count');
    setTimeout(tick, 5);
  };
  const go = () => tick();
  if (v.bind) { const b = ep('bind', v.bind); sock.bind(b.port, b.address, go); } else go();
}

function send(v: Record<string, string | undefined>): void {
  const to = ep('to', v.to);
  if (v.data === undefined) fail('--data is required');
  const count = num('count', v.count, 3, 1, 1000);
  const gap = num('interval-ms', v['interval-ms'], 200, 0, 10000);
  const sock = dgram.createSocket('udp4');
  let sent = 0;
  const one = () => {
    sock.send(Buffer.from(v.data!), to.port, to.address, () => {
      if (++sent >= count) { process.stdout.write(JSON.stringify({ sent }) + '\n'); sock.close(); }
      else setTimeout(one, gap);
    });
  };
  one();
}

function echo(v: Record<string, string | undefined>): void {
  const l = ep('listen', v.listen);
  const maxMs = num('max-seconds', v['max-seconds'], null, 0.1, 3600) * 1000;
  const maxPk = num('max-packets', v['max-packets'], 100000, 1, 1e7);
  const sock = dgram.createSocket('udp4');
  let echoed = 0;
  const sources = new Set<string>();
  const end = () => { process.stdout.write(JSON.stringify({ event: 'exit', echoed, sources: [...sources] }) + '\n'); sock.close(); process.exit(0); };
  sock.on('message', (m, r) => {
    sources.add(`${r.address}:${r.port}`);
    sock.send(m, r.port, r.address);
    if (++echoed >= maxPk) setTimeout(end, 50);
  });
  sock.bind(l.port, l.address, () => process.stdout.write(JSON.stringify({ event: 'listening' }) + '\n'));
  setTimeout(end, maxMs);
  process.on('SIGTERM', end); process.on('SIGINT', end);
}

function ping(v: Record<string, string | undefined>): void {
  const to = ep('to', v.to);
  const count = num('count', v.count, null, 1, 100000);
  const gap = num('interval-ms', v['interval-ms'], 20, 0, 10000);
  const waitMs = num('wait-ms', v['wait-ms'], 2000, 0, 60000);
  const sock = dgram.createSocket('udp4');
  const sentAt = new Map<number, number>();
  const rtt: number[] = [];
  const order: number[] = [];
  let sent = 0, received = 0, dups = 0;
  const seen = new Set<number>();
  sock.on('message', (m) => {
    const n = m.readUInt32BE(0);
    if (seen.has(n)) { dups++; return; }
    seen.add(n); received++; order.push(n);
    const t = sentAt.get(n);
    if (t !== undefined) rtt.push(Date.now() - t);
  });
  const finish = () => {
    let inversions = 0;
    for (let i = 1; i < order.length; i++) if (order[i] < order[i - 1]) inversions++;
    process.stdout.write(JSON.stringify({ sent, received, dups, inversions, rttMs: rtt }) + '\n');
    sock.close();
  };
  const one = () => {
    const b = Buffer.alloc(64);
    b.writeUInt32BE(sent, 0);
    sentAt.set(sent, Date.now());
    sock.send(b, to.port, to.address);
    if (++sent >= count) setTimeout(finish, waitMs); else setTimeout(one, gap);
  };
  if (v.bind) { const b = ep('bind', v.bind); sock.bind(b.port, b.address, one); } else one();
}

export function main(argv: string[]): void {
  const [cmd, ...rest] = argv;
  const names = ['to', 'count', 'seed', 'pps', 'max-seconds', 'bind', 'data', 'interval-ms', 'listen', 'max-packets', 'wait-ms'];
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args: rest, options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])), strict: true })
      .values as Record<string, string | undefined>;
  } catch (e) { fail((e as Error).message); }
  switch (cmd) {
    case 'garbage': return garbage(values);
    case 'send': return send(values);
    case 'echo': return echo(values);
    case 'ping': return ping(values);
    default: fail(`unknown command '${cmd}' (garbage, send, echo, ping)`);
  }
}

if (require.main === module && process.argv.length > 2) main(process.argv.slice(2));
