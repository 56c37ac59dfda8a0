// seq-flow.ts -- a bounded, sequence-numbered UDP flow that counts what arrives twice (for the
// soak, scripts/soak.sh: a tunnel must never deliver a datagram twice, whatever the WAN
// duplicates). Built by tsc to dist/scripts/seq-flow.js.
//
//   node dist/scripts/seq-flow.js recv --listen IP:PORT --max-seconds T
//       counts datagrams by their 64-bit sequence number: received, unique, duplicates (a number
//       seen before), reordered (below the highest so far), highest; exits after T seconds or on
//       SIGTERM/SIGINT with one JSON line {"event":"exit",...}; SIGUSR1 prints {"event":"stats",...}.
//   node dist/scripts/seq-flow.js send --to IP:PORT --pps R --seconds T [--size B]
//       sends R numbered datagrams per second (B bytes, default 64) for T seconds, then prints
//       {"event":"sent","sent":N}.
// Sequence numbers up to 50,000,000 are tracked exactly (a bitmap); more is refused. Bad
// arguments: one line naming the value, exit 2.
import * as dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const MAX_SEQ = 50_000_000;

function fail(msg: string): never {
  process.stderr.write(`seq-flow: ${msg}\n`);
  process.exit(2);
}
function ep(name: string, v: string | undefined): { address: string; port: number } {
  const m = v ? /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v) : null;
  if (!m || Number(m[2]) > 65535) fail(`bad or missing --${name} '${v ?? ''}' (want IPv4:PORT)`);
  return { address: m[1], port: Number(m[2]) };
}
function num(name: string, v: string | undefined, dflt: number | null, min: number, max: number): number {
  if (v === undefined) { if (dflt === null) fail(`--${name} is required`); return dflt; }
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) fail(`bad --${name} '${v}' (an integer ${min}..${max})`);
  return n;
}
const print = (o: object): void => { process.stdout.write(`${JSON.stringify(o)}\n`); };

function recv(o: Record<string, string | undefined>): void {
  const at = ep('listen', o.listen);
  const maxS = num('max-seconds', o['max-seconds'], null, 1, 86_400);
  const seen = new Uint8Array(MAX_SEQ / 8);
  const c = { received: 0, unique: 0, duplicates: 0, reordered: 0, highest: -1, short: 0, outOfRange: 0 };
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m) => {
    c.received++;
    if (m.length < 8) { c.short++; return; }
    const big = m.readBigUInt64BE(0);
    if (big >= BigInt(MAX_SEQ)) { c.outOfRange++; return; }
    const s = Number(big), byte = s >> 3, bit = 1 << (s & 7);
    if (seen[byte] & bit) { c.duplicates++; return; }
    seen[byte] |= bit;
    c.unique++;
    if (s < c.highest) c.reordered++;
    else c.highest = s;
  });
  const done = (): void => { print({ event: 'exit', ...c }); sock.close(); process.exit(0); };
  process.on('SIGTERM', done);
  process.on('SIGINT', done);
  process.on('SIGUSR1', () => print({ event: 'stats', ...c }));
  sock.bind(at.port, at.address, () => print({ event: 'listening', address: `${at.address}:${at.port}` }));
  setTimeout(done, maxS * 1000);
}

function send(o: Record<string, string | undefined>): void {
  const to = ep('to', o.to);
  const pps = num('pps', o.pps, null, 1, 100_000);
  const secs = num('seconds', o.seconds, null, 1, 86_400);
  const size = num('size', o.size, 64, 8, 1400);
  const total = pps * secs;
  if (total > MAX_SEQ) fail(`--pps x --seconds = ${total} datagrams is more than ${MAX_SEQ}`);
  const sock = dgram.createSocket('udp4');
  const t0 = Date.now();
  let sent = 0;
  const pump = (): void => { // catch up with the schedule every 10 ms
    const due = Math.min(total, Math.floor(((Date.now() - t0) * pps) / 1000));
    while (sent < due) {
      const buf = Buffer.alloc(size); // one per datagram: send() is asynchronous
      buf.writeBigUInt64BE(BigInt(sent), 0);
      sock.send(buf, to.port, to.address);
      sent++;
    }
    if (sent >= total) {
      clearInterval(timer);
      setTimeout(() => { print({ event: 'sent', sent }); sock.close(); }, 100);
    }
  };
  const timer = setInterval(pump, 10);
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === undefined) process.exit(0);
const { values } = parseArgs({
  args: rest, strict: true,
  options: { listen: { type: 'string' }, 'max-seconds': { type: 'string' }, to: { type: 'string' }, pps: { type: 'string' },
    seconds: { type: 'string' }, size: { type: 'string' } },
});
if (cmd === 'recv') recv(values);
else if (cmd === 'send') send(values);
else fail(`unknown command '${cmd}' (recv, send)`);
