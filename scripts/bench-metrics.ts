// Cost of one /metrics collection at the config's largest size: renders the exposition of a
// status snapshot with N peers (default 1024, MAX_PEERS), every drop reason, five QoS bands and
// failover on, R times, and prints ms per scrape, bytes and series.
//   node dist/scripts/bench-metrics.js [--peers N] [--rounds R]
import { BridgeheadMetrics } from '../src/daemon/metrics';
import { DROP_REASONS } from '../src/dataplane/types';
import { QOS_BANDS } from '../src/dataplane/qos-types';
import type { StatusSnapshot } from '../src/ipc/status-types';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  const v = i < 0 ? def : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) { process.stderr.write(`bench-metrics: invalid ${name} ${process.argv[i + 1]}\n`); process.exit(2); }
  return v;
};
const peers = arg('--peers', 1024);
const rounds = arg('--rounds', 50);

const names = Array.from({ length: peers }, (_, i) => `peer-${i}`);
const status = (k: number): StatusSnapshot => ({
  name: 'bench', publicKey: '', listen: '0.0.0.0:51820', tap: 'bh0', bridge: null, uptimeMs: 1000 * k,
  peers: names.map((name, i) => ({ name, publicKey: '', endpoint: null, state: 'up', lastHandshakeAgeMs: 1000,
    rxBytes: k * i, txBytes: k * i, rxFrames: k, txFrames: k, lastRxAgeMs: 1, lastTxAgeMs: 1, pathMtu: 1400, endpointChanges: 1 })),
  totals: { rxDatagrams: k, rxBytes: k, txDatagrams: k, txBytes: k, tapRxFrames: k, tapTxFrames: k, floods: k },
  drops: Object.fromEntries(DROP_REASONS.map((r) => [r, k])),
  macTable: { size: 4096, capacity: 4096, learned: k, moved: 0, full: 0, aged: 0 },
  events: { dropped: 0 },
  fragments: { tx: k, rx: k, reassembled: k },
  qos: { enabled: true, wanRateBitsPerS: 1e8, realtimeSharePct: 50, shaperDelayed: k, rules: [],
    bands: QOS_BANDS.map((name) => ({ name, dscp: 0, enqueued: k, sent: k, sentBytes: k, dropped: 0, depthPackets: 1,
      depthBytes: 1, limitPackets: 256, limitBytes: 1 << 18 })) },
  failover: { enabled: true, site: 'tenant', policy: 'quarantine', conflicts: [], recent: [], dataPlane: null,
    peers: names.map((name) => ({ name, up: true, peerSite: 'provider', siteMismatch: false, hosts: 1, sharing: 1, remote: 1, syncing: false })),
    counters: { moves: k, failovers: k, conflicts: 0, quarantines: 0, syncUpdatesSent: k } },
});

const m = new BridgeheadMetrics({ version: 'bench', nodeVersion: process.version });
void (async () => {
  let text = await m.render({ status: status(0), threadCpu: [{ thread: 'bh-rx', seconds: 1 }], nowMs: Date.now() });
  const t0 = process.hrtime.bigint();
  for (let k = 1; k <= rounds; k++) text = await m.render({ status: status(k), threadCpu: [{ thread: 'bh-rx', seconds: k }], nowMs: Date.now() });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / rounds;
  const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
  process.stdout.write(`bench-metrics: ${peers} peers: ${ms.toFixed(2)} ms per collection+render, ${(text.length / 1024).toFixed(0)} KiB, ${series} series (${rounds} rounds)\n`);
})();
