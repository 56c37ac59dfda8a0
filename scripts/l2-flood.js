#!/usr/bin/env node
// @ts-check
// l2-flood.js -- a bounded Ethernet frame generator (libpcap send through the npm package `cap`)
// for the storm / loop tests. Opens the device of the CURRENT network namespace, so run it inside
// one:
//
//   ip netns exec PREFIX-t1 node scripts/l2-flood.js --dev eth0 --kind broadcast \
//       --count 20000 --pps 5000 --timeout 10
//
// Kinds (source MAC = --src, default the device's own address as given, else 02:00:00:00:10:11):
//   broadcast   ARP requests to ff:ff:ff:ff:ff:ff for 198.19.10.250 (nobody has it)
//   random-src  unicast IPv4/UDP frames to --dst (default 02:00:00:00:10:21) from a different
//               random locally administered source MAC each (a MAC-table flood)
//   bpdu        IEEE 802.1D configuration BPDUs to 01:80:c2:00:00:00
// Stops after --count frames (required, 1..10,000,000) or --timeout seconds (required), whichever
// comes first; --pps 0 sends as fast as it can. Prints one JSON line at the end:
//   {"event":"done","sent":N,"failed":F,"ms":T}
// Exit 0 on success, 2 on bad arguments, 1 if the device cannot be opened.
'use strict';

/** @param {string} msg @returns {never} */
function fail(msg, code = 2) {
  process.stderr.write(`l2-flood: ${msg}\n`);
  process.exit(code);
}

/** @param {string[]} argv */
function parse(argv) {
  /** @type {Record<string, string>} */
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (!/^--(dev|kind|count|pps|timeout|src|dst|seed)$/.test(k)) fail(`unknown option '${k}'`);
    if (i + 1 >= argv.length) fail(`${k} needs a value`);
    o[k.slice(2)] = argv[++i];
  }
  if (!o.dev) fail('--dev IFNAME is required');
  if (!['broadcast', 'random-src', 'bpdu'].includes(o.kind)) fail(`--kind must be broadcast, random-src or bpdu (got '${o.kind}')`);
  const num = (/** @type {string} */ name, /** @type {number} */ min, /** @type {number} */ max, /** @type {number | undefined} */ dflt) => {
    if (o[name] === undefined) { if (dflt === undefined) fail(`--${name} is required (every flood is bounded)`); return dflt; }
    const n = Number(o[name]);
    if (!Number.isFinite(n) || n < min || n > max) fail(`bad --${name} '${o[name]}' (${min}..${max})`);
    return n;
  };
  const mac = (/** @type {string} */ name, /** @type {string} */ dflt) => {
    const s = o[name] ?? dflt;
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(s)) fail(`bad --${name} '${s}'`);
    return Buffer.from(s.split(':').map((x) => parseInt(x, 16)));
  };
  return {
    dev: o.dev, kind: o.kind, count: Math.floor(num('count', 1, 1e7)), pps: num('pps', 0, 1e7, 0),
    timeoutS: num('timeout', 0.1, 600), seed: Math.floor(num('seed', 0, 2 ** 31, 1)),
    src: mac('src', '02:00:00:00:10:11'), dst: mac('dst', '02:00:00:00:10:21'),
  };
}

/** @param {Buffer} src */
function arpRequest(src) {
  const f = Buffer.alloc(60);
  f.fill(0xff, 0, 6); src.copy(f, 6); f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); f.writeUInt16BE(0x0800, 16); f[18] = 6; f[19] = 4; f.writeUInt16BE(1, 20);
  src.copy(f, 22); Buffer.from([198, 19, 10, 11]).copy(f, 28); Buffer.from([198, 19, 10, 250]).copy(f, 38);
  return f;
}

/** @param {Buffer} src */
function bpdu(src) {
  const f = Buffer.alloc(60);
  Buffer.from([0x01, 0x80, 0xc2, 0, 0, 0]).copy(f, 0); src.copy(f, 6);
  f.writeUInt16BE(38, 12);                       // 802.3 length: LLC + 35-byte BPDU
  f[14] = 0x42; f[15] = 0x42; f[16] = 0x03;       // LLC: STP
  // protocol 0, version 0, type 0 (configuration), flags 0, root id = bridge id = 8000.src, cost 0
  f.writeUInt16BE(0x8000, 22); src.copy(f, 24); f.writeUInt16BE(0x8000, 34); src.copy(f, 36);
  f.writeUInt16BE(0x8001, 42); f.writeUInt16BE(20 * 256, 46); f.writeUInt16BE(2 * 256, 48); f.writeUInt16BE(15 * 256, 50);
  return f;
}

/** One frame, rewritten in place with a new random source MAC per send (the same buffer: no
 *  allocation per frame). @param {Buffer} f @param {Buffer} dst @param {() => number} rnd */
function randomSrcUdp(f, dst, rnd) {
  f.fill(0);
  dst.copy(f, 0);
  for (let i = 6; i < 12; i++) f[i] = Math.floor(rnd() * 256);
  f[6] = (f[6] & 0xfc) | 0x02;                    // unicast, locally administered
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45; f.writeUInt16BE(28, 16); f[22] = 64; f[23] = 17;
  Buffer.from([198, 19, 10, 250]).copy(f, 26); Buffer.from([198, 19, 10, 21]).copy(f, 30);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += f.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  f.writeUInt16BE(~sum & 0xffff, 24);
  f.writeUInt16BE(9, 34); f.writeUInt16BE(9, 36); f.writeUInt16BE(8, 38); // UDP discard, no checksum
  return f;
}

/** @type {Buffer | null} */
let rxBuffer = null;

function main() {
  const opt = parse(process.argv.slice(2));
  /** @type {any} */
  let Cap;
  try { Cap = require('cap').Cap; } catch (e) { fail(`cannot load the 'cap' package: ${(/** @type {Error} */ (e)).message}`, 1); }
  const c = new Cap();
  // libpcap also receives into this buffer: it must stay referenced for the whole run (an unreferenced
  // one was collected and then written to: the process crashed), and the filter lets nothing in
  // (IEEE 802 local experimental EtherType 2).
  rxBuffer = Buffer.alloc(65535);
  try { c.open(opt.dev, 'ether proto 0x88b6', 1024 * 1024, rxBuffer); } catch (e) { fail(`cannot open ${opt.dev}: ${(/** @type {Error} */ (e)).message}`, 1); }
  let a = opt.seed >>> 0;
  const rnd = () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const fixed = opt.kind === 'broadcast' ? arpRequest(opt.src) : opt.kind === 'bpdu' ? bpdu(opt.src) : null;
  const scratch = Buffer.alloc(60);
  const start = Date.now();
  const deadline = start + opt.timeoutS * 1000;
  let sent = 0, failed = 0;
  const tick = () => {
    const now = Date.now();
    const due = opt.pps > 0 ? Math.min(opt.count, Math.floor(((now - start) / 1000) * opt.pps) + 1) : opt.count;
    let n = 0;
    while (sent + failed < due && n < 2000) {
      const f = fixed ?? randomSrcUdp(scratch, opt.dst, rnd);
      try { c.send(f, f.length); sent++; } catch { failed++; }
      n++;
    }
    if (sent + failed >= opt.count || Date.now() >= deadline) {
      // no c.close(): the exit releases the handle
      process.stdout.write(`${JSON.stringify({ event: 'done', sent, failed, ms: Date.now() - start })}\n`, () => process.exit(0));
      return;
    }
    setTimeout(tick, opt.pps > 0 ? 5 : 0);
  };
  tick();
}

main();
