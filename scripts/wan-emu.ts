// wan-emu.ts -- a small, bounded user-space WAN emulator for ONE UDP flow pair (the kernel of the
// test VM has no netem).  Built by tsc to dist/scripts/wan-emu.js.
//
//   node dist/scripts/wan-emu.js --listen ADDR:PORT --target ADDR:PORT [options]
//
//   client --> [front socket, --listen] --(delay/jitter/loss/dup/reorder/rate)--> [back socket] --> target
//   client <-- [front socket]           <--(same, separately per direction)--      [back socket] <-- target
//
// The client is whoever sent the latest datagram to the front socket (or --client, fixed);
// replies from the target go back to it.  Datagrams reaching the back socket from anywhere but
// the target are dropped and counted (strayDrops).
//
// Options (defaults in brackets):
//   --listen ADDR:PORT        front socket (required)
//   --target ADDR:PORT        where client datagrams go (required)
//   --upstream-bind ADDR:PORT local address of the back socket [0.0.0.0:0]
//   --client ADDR:PORT        fixed client instead of learning it
//   --delay-ms N [0]  --jitter-ms N [0]  (one way, per direction; jitter is uniform +/-N, FIFO kept)
//   --loss PCT [0]  --dup PCT [0]  --reorder PCT [0]  --reorder-gap-ms N [10]
//   --rate-mbit N [0 = unlimited]  --burst-bytes N [15000]   token bucket per direction
//   --max-queue N [1000]      pending packets per direction; when full: drop + count
//   --seed N [1]              every random decision comes from this seed
//   --duration S [60]         exits by itself after S seconds (required to be > 0)
// Output, on stdout, one JSON line each: {"event":"listening",...} once the sockets are bound,
// {"event":"stats",...} on SIGUSR1, {"event":"exit",...counters} on SIGTERM, SIGINT or --duration.
// Bad arguments: one line on stderr naming the value, exit 2.
//
// In the bridgehead topology (scripts/topology.sh with WAN_EMU=1) it runs in PREFIX-wan as
//   node dist/scripts/wan-emu.js --listen 0.0.0.0:51821 --target 198.18.3.2:51820 --duration 3600 $WAN_EMU_ARGS
// with an nftables rule in PREFIX-wan that redirects the tenant's UDP flow arriving on nat0 for
// 198.18.3.2:51820 to :51821.  conntrack rewrites the replies back, so the tenant still talks to
// 198.18.3.2:51820 (no configuration change); the provider sees the tenant at 198.18.3.1:<port>.
// Without the topology's redirect, point the client at the emulator instead (e.g. the tenant's
// peer endpoint = the emulator's --listen address).
import * as dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { WanEmuCore, WanEmuParams, DEFAULT_PARAMS, Direction } from './wan-emu-core';

interface Endpoint { address: string; port: number }

function fail(msg: string): never {
  process.stderr.write(`wan-emu: ${msg}\n`);
  process.exit(2);
}

function parseEndpoint(name: string, v: string | undefined, required: boolean): Endpoint | null {
  if (v === undefined) { if (required) fail(`--${name} ADDR:PORT is required`); return null; }
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : -1;
  if (!m || port > 65535) fail(`bad --${name} '${v}' (want IPv4:PORT)`);
  return { address: m[1], port };
}

function parseNum(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) fail(`bad --${name} '${v}' (${min}..${max})`);
  return n;
}

export function main(argv: string[]): void {
  let values: Record<string, string | undefined>;
  try {
    const opts = ['listen', 'target', 'upstream-bind', 'client', 'delay-ms', 'jitter-ms', 'loss', 'dup',
      'reorder', 'reorder-gap-ms', 'rate-mbit', 'burst-bytes', 'max-queue', 'seed', 'duration'];
    const options = Object.fromEntries(opts.map((o) => [o, { type: 'string' as const }]));
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | undefined>;
  } catch (e) {
    fail((e as Error).message);
  }
  const listen = parseEndpoint('listen', values['listen'], true)!;
  const target = parseEndpoint('target', values['target'], true)!;
  const upBind = parseEndpoint('upstream-bind', values['upstream-bind'], false) ?? { address: '0.0.0.0', port: 0 };
  const fixedClient = parseEndpoint('client', values['client'], false);
  const params: WanEmuParams = {
    delayMs: parseNum('delay-ms', values['delay-ms'], DEFAULT_PARAMS.delayMs, 0, 60000),
    jitterMs: parseNum('jitter-ms', values['jitter-ms'], DEFAULT_PARAMS.jitterMs, 0, 60000),
    lossPct: parseNum('loss', values['loss'], 0, 0, 100),
    dupPct: parseNum('dup', values['dup'], 0, 0, 100),
    reorderPct: parseNum('reorder', values['reorder'], 0, 0, 100),
    reorderGapMs: parseNum('reorder-gap-ms', values['reorder-gap-ms'], DEFAULT_PARAMS.reorderGapMs, 0, 60000),
    rateMbit: parseNum('rate-mbit', values['rate-mbit'], 0, 0, 100000),
    burstBytes: parseNum('burst-bytes', values['burst-bytes'], DEFAULT_PARAMS.burstBytes, 1, 1e9),
    maxQueue: parseNum('max-queue', values['max-queue'], DEFAULT_PARAMS.maxQueue, 1, 1e6),
  };
  if (!Number.isInteger(params.maxQueue)) fail(`bad --max-queue '${values['max-queue']}' (integer)`);
  const seed = parseNum('seed', values['seed'], 1, 0, 2 ** 32 - 1);
  const durationS = parseNum('duration', values['duration'], 60, 0.001, 7 * 24 * 3600);

  const core = new WanEmuCore<Buffer>(params, seed);
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let client: Endpoint | null = fixedClient;
  let clientChanges = 0, strayDrops = 0, sendErrors = 0, noClientDrops = 0;
  let timer: NodeJS.Timeout | null = null, timerAt = Infinity, done = false;

  const front = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  const back = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  const onSent = (err: Error | null) => { if (err) sendErrors++; };

  function pump(): void {
    timer = null; timerAt = Infinity;
    if (done) return;
    const t = now();
    for (const p of core.takeDue(t)) {
      if (p.dir === 'up') back.send(p.data, target.port, target.address, onSent);
      else if (client) front.send(p.data, client.port, client.address, onSent);
      else noClientDrops++;
    }
    arm();
  }
  function arm(): void {
    const next = core.nextDueMs();
    if (next === null || done) return;
    if (timer && next >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = next;
    timer = setTimeout(pump, Math.max(0, next - now()));
  }
  function offer(dir: Direction, msg: Buffer): void {
    core.offer(dir, msg, msg.length, now());
    const next = core.nextDueMs();
    if (next !== null && next <= now()) pump(); else arm();
  }

  front.on('message', (msg, rinfo) => {
    if (!fixedClient && (!client || client.address !== rinfo.address || client.port !== rinfo.port)) {
      if (client) clientChanges++;
      client = { address: rinfo.address, port: rinfo.port };
    }
    offer('up', msg);
  });
  back.on('message', (msg, rinfo) => {
    if (rinfo.address !== target.address || rinfo.port !== target.port) { strayDrops++; return; }
    offer('down', msg);
  });
  const onErr = (which: string) => (e: Error) => fail(`${which} socket: ${e.message}`);
  front.on('error', onErr('front'));
  back.on('error', onErr('back'));

  const snapshot = (event: string) => JSON.stringify({
    event, uptimeMs: Math.round(now()), params, seed, listen, target,
    client: client ? `${client.address}:${client.port}` : null, clientChanges, strayDrops, sendErrors,
    noClientDrops, pending: core.pending(), up: core.counters.up, down: core.counters.down,
  });
  function finish(reason: string): void {
    if (done) return;
    done = true;
    if (timer) clearTimeout(timer);
    process.stdout.write(snapshot('exit').replace(/^\{/, `{"reason":"${reason}",`) + '\n');
    front.close(); back.close();
    process.exit(0);
  }

  let bound = 0;
  const onBound = () => {
    if (++bound < 2) return;
    const b = back.address();
    process.stdout.write(JSON.stringify({ event: 'listening', listen, target,
      upstream: `${b.address}:${b.port}`, durationS, params, seed }) + '\n');
  };
  front.bind(listen.port, listen.address, onBound);
  back.bind(upBind.port, upBind.address, onBound);
  setTimeout(() => finish('duration'), durationS * 1000).unref();
  process.on('SIGTERM', () => finish('SIGTERM'));
  process.on('SIGINT', () => finish('SIGINT'));
  process.on('SIGUSR1', () => process.stdout.write(snapshot('stats') + '\n'));
}

if (require.main === module && process.argv.length > 2) main(process.argv.slice(2));
