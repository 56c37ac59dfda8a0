// bench-busy-poll -- what options.busyPollUs costs and buys (issue 15), without root: two data
// planes in socketpair mode on 127.0.0.1, for each busy-poll setting
//   idle:  process CPU seconds over --idle-s seconds with no traffic (the data-plane threads'
//          own cost: epoll timeouts, aging; busy polling runs only after activity)
//   echo:  --n round trips of a 64-byte frame A -> B -> A (this process plays both hosts, so the
//          figures include its own work, equal for every setting), 5 ms apart like the harness's
//          idle ping: average round trip in us and process CPU ms per round trip.
// Usage: node dist/scripts/bench-busy-poll.js [--idle-s 60] [--n 400] [--us 0,20,50,100]
import { makePair, frame, mac, readFrames, sleep } from '../test/dataplane/harness';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : process.argv[i + 1];
}
for (const a of process.argv.slice(2)) {
  if (a.startsWith('--') && !['--idle-s', '--n', '--us'].includes(a)) {
    process.stderr.write(`bench-busy-poll: unknown option ${a} (--idle-s S, --n N, --us LIST)\n`);
    process.exit(2);
  }
}
const IDLE_S = Number(arg('--idle-s', '60'));
const N = Number(arg('--n', '400'));
const SETTINGS = arg('--us', '0,50').split(',').map(Number);
if (!(IDLE_S >= 1 && IDLE_S <= 600) || !(N >= 1 && N <= 100000) || SETTINGS.some((u) => !Number.isInteger(u) || u < 0 || u > 20000)) {
  process.stderr.write('bench-busy-poll: --idle-s 1..600, --n 1..100000, --us integers 0..20000\n');
  process.exit(2);
}
const cpuS = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const H1 = mac(0x21), H2 = mac(0x22);

async function main(): Promise<void> {
  for (const us of SETTINGS) {
    const p = await makePair({ busyPollUs: us });
    // learn both MACs so frames are unicast
    p.a.dp.testWriteFrame(frame(H2, H1, 64, 1));
    readFrames(p.b.dp, 1, 2000);
    p.b.dp.testWriteFrame(frame(H1, H2, 64, 2));
    readFrames(p.a.dp, 1, 2000);
    await sleep(500);
    const c0 = cpuS();
    await sleep(IDLE_S * 1000);
    const idle = cpuS() - c0;
    let rttSum = 0, lost = 0;
    const c1 = cpuS();
    for (let i = 0; i < N; i++) {
      const t0 = process.hrtime.bigint();
      p.a.dp.testWriteFrame(frame(H2, H1, 64, i));
      const req = p.b.dp.testReadFrame(1000);
      if (req) p.b.dp.testWriteFrame(frame(H1, H2, 64, i));
      const rep = req ? p.a.dp.testReadFrame(1000) : null;
      if (!rep) lost++;
      rttSum += Number(process.hrtime.bigint() - t0) / 1000;
      await sleep(5);
    }
    const echoCpu = cpuS() - c1;
    const st = p.a.dp.stats().global;
    console.log(`busyPollUs=${us} idle_cpu_s=${idle.toFixed(3)} over ${IDLE_S} s; echo n=${N} lost=${lost} ` +
      `avg_rtt_us=${(rttSum / N).toFixed(1)} cpu_ms_per_rtt=${((echoCpu * 1000) / N).toFixed(3)} ` +
      `(A: light ${st.txLightFrames}, pipeline ${st.txPipelineFrames} TAP frames)`);
    p.close();
  }
}
main().catch((e) => { process.stderr.write(`bench-busy-poll: ${(e as Error).message}\n`); process.exit(1); });
