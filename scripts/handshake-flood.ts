// handshake-flood.ts -- a bounded flood of handshake initiations at a bridgehead UDP port, for the
// DoS namespace test and scripts/bench-flood.sh (compiled to dist/scripts/handshake-flood.js, run
// inside a namespace with `ip netns exec`):
//
//   node handshake-flood.js --to IP:PORT --pps R --seconds T [--count N] [--bind IP:PORT]
//        [--replay-pcap FILE] [--forge-mac1 PUBKEY_BASE64] [--seed S]
//
// Alternates two kinds of 164-byte datagrams: random bytes shaped as an initiation (type 1,
// reserved 0: they reach the responder's mac1 check) and, with --replay-pcap, a genuine
// initiation taken from a capture (the first UDP payload of 164 bytes starting 01 00 00 00 in an
// Ethernet/IPv4 .pcap, as scripts/pcap-capture.js writes), replayed verbatim. Without a capture
// every datagram is random. With --forge-mac1 the random ones carry a valid mac1 for that
// (public) key: they pass the responder's first check, as anyone who knows its public key can
// make them, and only the per-source limit and the cookie stand before Diffie-Hellman. Paced at R per second in 5 ms slices; stops after N datagrams
// (default R*T) or T seconds, whichever comes first. Prints one JSON line:
//   {"sent":..,"garbage":..,"replayed":..,"errors":..,"ms":..,"reason":"count|seconds"}
// Bad arguments: one line naming the value, exit 2.
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Rng } from './wan-emu-core';
import { ready } from '../src/control/crypto';
import { computeMac1 } from '../src/control/messages';

const SIZE = 164;
const MAX_PPS = 200_000;
const MAX_SECONDS = 120;

function fail(msg: string): never { process.stderr.write(`handshake-flood: ${msg}\n`); process.exit(2); }

function endpoint(name: string, v: string | undefined): { address: string; port: number } {
  const m = v ? /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v) : null;
  if (!m || Number(m[2]) > 65535) fail(`bad or missing --${name} '${v ?? ''}' (want IPv4:PORT)`);
  return { address: m[1], port: Number(m[2]) };
}

function number(name: string, v: string | undefined, dflt: number | null, min: number, max: number): number {
  if (v === undefined) { if (dflt === null) fail(`--${name} is required`); return dflt; }
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) fail(`bad --${name} '${v}' (${min}..${max})`);
  return n;
}

/** The first genuine-looking initiation in an Ethernet/IPv4 pcap file, or a one-line error. */
export function initiationFromPcap(file: string): Buffer {
  let b: Buffer;
  try { b = fs.readFileSync(file); } catch (e) { fail(`cannot read --replay-pcap '${file}': ${(e as Error).message}`); }
  if (b.length < 24 || b.readUInt32LE(0) !== 0xa1b2c3d4) fail(`--replay-pcap '${file}' is not a classic pcap file`);
  if (b.readUInt32LE(20) !== 1) fail(`--replay-pcap '${file}': link type ${b.readUInt32LE(20)}, want Ethernet (1)`);
  for (let off = 24; off + 16 <= b.length;) {
    const incl = b.readUInt32LE(off + 8);
    const f = b.subarray(off + 16, Math.min(b.length, off + 16 + incl));
    off += 16 + incl;
    if (f.length < 14 + 20 + 8 || f.readUInt16BE(12) !== 0x0800 || f[14 + 9] !== 17) continue;
    const udp = 14 + (f[14] & 0x0f) * 4;
    const payload = f.subarray(udp + 8, udp + Math.max(8, f.length >= udp + 6 ? f.readUInt16BE(udp + 4) : 0));
    if (payload.length === SIZE && payload[0] === 1 && payload[1] === 0 && payload[2] === 0 && payload[3] === 0) {
      return Buffer.from(payload);
    }
  }
  fail(`--replay-pcap '${file}' holds no 164-byte initiation`);
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({ options: {
    to: { type: 'string' }, bind: { type: 'string' }, pps: { type: 'string' }, seconds: { type: 'string' },
    count: { type: 'string' }, 'replay-pcap': { type: 'string' }, seed: { type: 'string' }, 'forge-mac1': { type: 'string' },
  }, allowPositionals: false, strict: true });
  const to = endpoint('to', v.to);
  const bind = v.bind ? endpoint('bind', v.bind) : null;
  const pps = number('pps', v.pps, null, 1, MAX_PPS);
  const seconds = number('seconds', v.seconds, null, 0.1, MAX_SECONDS);
  const count = number('count', v.count, Math.ceil(pps * seconds), 1, MAX_PPS * MAX_SECONDS);
  const rng = new Rng(number('seed', v.seed, 1, 0, 2 ** 32 - 1));
  const replay = v['replay-pcap'] ? initiationFromPcap(v['replay-pcap']) : null;
  let forgeFor: Uint8Array | null = null;
  if (v['forge-mac1'] !== undefined) {
    const k = Buffer.from(v['forge-mac1'], 'base64');
    if (k.length !== 32 || k.toString('base64') !== v['forge-mac1']) fail(`bad --forge-mac1 '${v['forge-mac1']}' (base64 of 32 bytes)`);
    forgeFor = new Uint8Array(k);
    await ready();
  }

  const garbage = (): Buffer => {
    const b = Buffer.alloc(SIZE);
    for (let i = 4; i < SIZE; i++) b[i] = Math.floor(rng.next() * 256);
    b[0] = 1;
    if (forgeFor) b.set(computeMac1(b, forgeFor), SIZE - 32);
    return b;
  };
  const sock = dgram.createSocket('udp4');
  let sent = 0, garbageSent = 0, replayed = 0, errors = 0, inFlight = 0, ended = false;
  const t0 = Date.now();
  const end = (reason: string): void => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    const finish = (): void => {
      process.stdout.write(`${JSON.stringify({ sent, garbage: garbageSent, replayed, errors, ms: Date.now() - t0, reason })}\n`);
      sock.close();
    };
    const wait = setInterval(() => {
      if (inFlight === 0 || Date.now() - t0 > seconds * 1000 + 2000) { clearInterval(wait); finish(); }
    }, 5);
  };
  const slice = (): void => {
    const elapsed = Date.now() - t0;
    if (elapsed >= seconds * 1000) return end('seconds');
    const due = Math.min(count, Math.floor((elapsed / 1000) * pps) + 1);
    // Never more than one second of datagrams waiting in libuv: the sender stays bounded in memory.
    while (sent < due && inFlight < pps) {
      const useReplay = replay !== null && sent % 2 === 1;
      const d = useReplay ? replay : garbage();
      sent++;
      if (useReplay) replayed++; else garbageSent++;
      inFlight++;
      sock.send(d, to.port, to.address, (err) => { inFlight--; if (err) errors++; });
    }
    if (sent >= count) end('count');
  };
  let timer: NodeJS.Timeout;
  sock.on('error', (e) => fail(`socket: ${e.message}`));
  const go = (): void => { timer = setInterval(slice, 5); slice(); };
  if (bind) sock.bind(bind.port, bind.address, go); else go();
}

if (require.main === module && process.argv.length > 2) void main();
