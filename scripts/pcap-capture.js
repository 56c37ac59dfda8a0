#!/usr/bin/env node
// @ts-check
// pcap-capture.js -- a bounded libpcap capture (npm package `cap`) written to a .pcap file.
// libpcap opens the device of the CURRENT network namespace, so run it inside one:
//
//   ip netns exec PREFIX-wan node scripts/pcap-capture.js --dev pa0 --filter 'udp' \
//       --count 200 --timeout 10 --out /tmp/x.pcap [--snaplen 65535]
//
// Stops after --count packets (0 = no limit), after --timeout seconds (required, > 0), or on
// SIGINT/SIGTERM, whichever comes first.  Prints JSON lines on stdout:
//   {"event":"ready","dev":...,"linkType":...}    once the capture is open (start traffic after it)
//   {"event":"done","reason":"count|timeout|signal","packets":N,"bytes":B,"truncated":T,"out":FILE}
// The .pcap file (classic format, microsecond timestamps) is readable by tcpdump -r.
// Exit 0 on success, 2 on bad arguments, 1 if the device cannot be opened.
'use strict';
const fs = require('node:fs');

/** @param {string} msg @returns {never} */
function fail(msg, code = 2) {
  process.stderr.write(`pcap-capture: ${msg}\n`);
  process.exit(code);
}

/** @param {string[]} argv */
function parse(argv) {
  /** @type {Record<string, string>} */
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (!/^--(dev|filter|count|timeout|out|snaplen)$/.test(k)) fail(`unknown option '${k}'`);
    if (i + 1 >= argv.length) fail(`${k} needs a value`);
    o[k.slice(2)] = argv[++i];
  }
  if (!o.dev) fail('--dev IFNAME is required');
  if (!o.out) fail('--out FILE is required');
  const num = (/** @type {string} */ name, /** @type {number} */ dflt, /** @type {number} */ min, /** @type {number} */ max) => {
    if (o[name] === undefined) return dflt;
    const n = Number(o[name]);
    if (!Number.isFinite(n) || n < min || n > max) fail(`bad --${name} '${o[name]}' (${min}..${max})`);
    return n;
  };
  if (o.timeout === undefined) fail('--timeout SECONDS is required (every capture is bounded)');
  return {
    dev: o.dev, filter: o.filter ?? '', out: o.out,
    count: Math.floor(num('count', 0, 0, 1e7)),
    timeoutS: num('timeout', 0, 0.1, 3600),
    snaplen: Math.floor(num('snaplen', 65535, 64, 262144)),
  };
}

// libpcap LINKTYPE_* numbers for the names `cap` returns.
/** @type {Record<string, number>} */
const LINKTYPES = { ETHERNET: 1, NULL: 0, RAW: 101, IEEE802_11: 105, LINKTYPE_LINUX_SLL: 113,
  IEEE802_11_RADIO: 127 };

function main() {
  const opt = parse(process.argv.slice(2));
  /** @type {any} */
  let Cap;
  try { Cap = require('cap').Cap; } catch (e) { fail(`cannot load the 'cap' package: ${(/** @type {Error} */ (e)).message}`, 1); }
  const c = new Cap();
  const buf = Buffer.alloc(opt.snaplen);
  /** @type {string} */
  let linkType;
  try {
    linkType = c.open(opt.dev, opt.filter, 16 * 1024 * 1024, buf);
  } catch (e) {
    fail(`cannot capture on '${opt.dev}' with filter '${opt.filter}': ${(/** @type {Error} */ (e)).message}`, 1);
  }
  const fd = fs.openSync(opt.out, 'w', 0o600);
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0); gh.writeUInt16LE(2, 4); gh.writeUInt16LE(4, 6);
  gh.writeInt32LE(0, 8); gh.writeUInt32LE(0, 12); gh.writeUInt32LE(opt.snaplen, 16);
  gh.writeUInt32LE(LINKTYPES[linkType] ?? 1, 20);
  fs.writeSync(fd, gh);

  let packets = 0, bytes = 0, truncated = 0, done = false;
  /** @param {string} reason */
  const finish = (reason) => {
    if (done) return;
    done = true;
    try { c.close(); } catch { /* already closed */ }
    fs.closeSync(fd);
    process.stdout.write(JSON.stringify({ event: 'done', reason, dev: opt.dev, filter: opt.filter,
      packets, bytes, truncated, out: opt.out }) + '\n');
    process.exit(0);
  };
  c.on('packet', (/** @type {number} */ nbytes, /** @type {boolean} */ trunc) => {
    if (done) return;
    const n = Math.min(nbytes, buf.length);
    const now = Date.now();
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(Math.floor(now / 1000), 0); rh.writeUInt32LE((now % 1000) * 1000, 4);
    rh.writeUInt32LE(n, 8); rh.writeUInt32LE(nbytes, 12);
    fs.writeSync(fd, rh); fs.writeSync(fd, buf, 0, n);
    packets++; bytes += nbytes; if (trunc) truncated++;
    if (opt.count > 0 && packets >= opt.count) finish('count');
  });
  setTimeout(() => finish('timeout'), opt.timeoutS * 1000);
  process.on('SIGINT', () => finish('signal'));
  process.on('SIGTERM', () => finish('signal'));
  process.stdout.write(JSON.stringify({ event: 'ready', dev: opt.dev, filter: opt.filter, linkType }) + '\n');
}

main();
