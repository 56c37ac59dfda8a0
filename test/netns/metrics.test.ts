// Prometheus metrics on a real pair: both appliances serve /metrics (config `metrics`, default
// loopback address), the exposition passes `promtool check metrics`, the counters move with
// traffic across the tunnel and with garbage on the WAN port, and the default address is not
// reachable from the WAN.
import { describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { NetnsSuite } from './lib/suite';
import { ADDR, type NodeName } from './lib/topology';
import { Appliance, Sites, pairSites, PORT } from './lib/bridgehead';
import { NODE, helperScript } from './lib/env';
import { METRICS_DEFAULT_PORT } from '../../src/config/metrics-config';

const S = NetnsSuite.create(__filename, 'metrics');
const T = S.topo;
let sites: Sites | null = null;
const need = (): Sites => { if (!sites) throw new Error('not paired (the pairing test failed)'); return sites; };

interface Scrape { status: number; type: string; text: string }

/** GET http://addr:port/metrics from inside the node's namespace (node's fetch, 5 s bound). */
async function scrape(node: NodeName, addr = '127.0.0.1', port = METRICS_DEFAULT_PORT): Promise<Scrape> {
  const r = await T.exec(node, [NODE, '-e', `
    fetch('http://${addr}:${port}/metrics', { signal: AbortSignal.timeout(5000) })
      .then(async (res) => console.log(JSON.stringify({ status: res.status, type: res.headers.get('content-type'), text: await res.text() })))
      .catch((e) => { console.log(JSON.stringify({ status: 0, type: '', text: String(e.cause?.code ?? e.message) })); });`],
  { timeoutMs: 10000 });
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Scrape;
}

function value(text: string, series: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  throw new Error(`series ${series} not in the exposition`);
}

/** The one peer's name as this appliance knows it (status --json). */
async function peerName(a: Appliance): Promise<string> {
  const st = await a.status();
  assert.equal(st.peers.length, 1, JSON.stringify(st.peers));
  return st.peers[0].name;
}

function promtool(args: string[], input?: string): { code: number; out: string } {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 20000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('metrics: /metrics on both appliances, valid, moving with traffic', () => {
  before(() => S.setup({}, ['promtool']), { timeout: 90000 });
  after(() => S.teardown(), { timeout: 90000 });

  S.it('pair the sites with metrics on (loopback default address)', 120000, async () => {
    // cpuAffinity and busyPollUs away from their defaults: /metrics must show the settings in force
    sites = await pairSites(S, { patch: (cfg) => { cfg.metrics = { enabled: true }; cfg.cpuAffinity = 'spread'; cfg.busyPollUs = 200; } });
  });

  S.it('both expositions pass promtool check metrics and show the peer up', 60000, async () => {
    const { provider, tenant } = need();
    for (const [node, peer] of [['pa', await peerName(provider)], ['ta', await peerName(tenant)]] as const) {
      const s = await scrape(node);
      assert.equal(s.status, 200, `${node}: ${s.text.slice(0, 200)}`);
      assert.match(s.type, /^text\/plain; version=0\.0\.4/);
      const lint = promtool(['check', 'metrics'], s.text);
      assert.equal(lint.code, 0, `${node}: promtool check metrics:\n${lint.out}`);
      assert.equal(value(s.text, `bridgehead_peer_up{peer="${peer}"}`), 1, `${node}: peer ${peer} up`);
      assert.ok(value(s.text, `bridgehead_peer_last_handshake_timestamp_seconds{peer="${peer}"}`) > Date.now() / 1000 - 300);
      assert.equal(value(s.text, 'bridgehead_mac_table_capacity'), 4096);
      assert.match(s.text, /^bridgehead_build_info\{version="[^"]+",nodejs_version="v\d+/m);
    }
  });

  S.it('ping t1 -> p1 (50): peer packet/byte counters, tunnel datagrams and the RX thread CPU move on both sides', 60000, async () => {
    const { provider, tenant } = need();
    const [toTenant, toProvider] = [await peerName(provider), await peerName(tenant)];
    const beforeP = (await scrape('pa')).text;
    const beforeT = (await scrape('ta')).text;
    const p = await T.ping('t1', ADDR.p1, { count: 50, intervalS: 0.02, deadlineS: 15 });
    assert.equal(p.received, 50, p.raw);
    await new Promise((r) => setTimeout(r, 1100)); // past the listener's 1 s reuse window
    const afterP = (await scrape('pa')).text;
    const afterT = (await scrape('ta')).text;
    const delta = (b: string, a: string, series: string) => value(a, series) - value(b, series);
    for (const [b, a, peer, side] of [[beforeP, afterP, toTenant, 'provider'], [beforeT, afterT, toProvider, 'tenant']] as const) {
      const rx = delta(b, a, `bridgehead_peer_receive_packets_total{peer="${peer}"}`);
      const tx = delta(b, a, `bridgehead_peer_transmit_packets_total{peer="${peer}"}`);
      assert.ok(rx >= 50 && tx >= 50, `${side}: frames from/to ${peer} +${rx}/+${tx} for 50 pings`);
      assert.ok(delta(b, a, `bridgehead_peer_receive_bytes_total{peer="${peer}"}`) >= 50 * 98, `${side}: rx bytes`);
      assert.ok(delta(b, a, 'bridgehead_tunnel_receive_datagrams_total') >= 50, `${side}: tunnel datagrams`);
      assert.ok(delta(b, a, 'bridgehead_tap_transmit_frames_total') >= 50, `${side}: TAP writes`);
      for (const th of ['bh-rx', 'bh-tx']) assert.ok(value(a, `bridgehead_dataplane_thread_cpu_seconds_total{thread="${th}"}`) >= 0, `${side}: ${th} CPU`);
      assert.ok(value(a, 'bridgehead_mac_table_entries') >= 2, `${side}: t1 and p1 learned`);
      // the daemon's data-path figures (2f-2h): every TAP frame sent is on one of the two paths
      const paths = (t: string) => value(t, 'bridgehead_datapath_frames_total{path="light"}') + value(t, 'bridgehead_datapath_frames_total{path="pipeline"}');
      assert.ok(paths(a) - paths(b) >= 50, `${side}: light + pipeline frames +${paths(a) - paths(b)} for 50 pings`);
      assert.match(a, /^bridgehead_tap_reader_info\{reader="(io_uring|read",why="[A-Za-z0-9]+)"\} 1$/m, `${side}: TAP reader`);
      assert.equal(value(a, 'bridgehead_cpu_affinity_info{setting="spread"}'), 1, `${side}: affinity setting`);
      const cpus = ['bh-rx', 'bh-tx'].map((th) => value(a, `bridgehead_dataplane_thread_pinned_cpu{thread="${th}"}`));
      if (availableParallelism() >= 2) assert.ok(cpus.every((c) => c >= 0) && cpus[0] !== cpus[1], `${side}: spread pins bh-rx/bh-tx to two CPUs: ${cpus}`);
      else assert.deepEqual(cpus, [-1, -1], `${side}: one allowed CPU: nothing to spread`);
      assert.equal(value(a, 'bridgehead_cpu_affinity_refusals_total'), 0);
      assert.equal(value(a, 'bridgehead_busy_poll_seconds'), 0.0002, `${side}: busyPollUs 200`);
    }
  });

  S.it('garbage on the provider WAN port: drops by reason rise', 60000, async () => {
    const before = (await scrape('pa')).text;
    await T.execOk('wan', [NODE, helperScript('udp-tool'), 'garbage', '--to', `${ADDR.pa}:${PORT}`,
      '--bind', `${ADDR.wanToPa}:40001`, '--count', '300', '--seed', '7', '--pps', '1000', '--max-seconds', '10'], { timeoutMs: 20000 });
    await new Promise((r) => setTimeout(r, 1100));
    const after = (await scrape('pa')).text;
    const sum = (text: string) => [...text.matchAll(/^bridgehead_drops_total\{reason="[a-z0-9_]+"\} (\S+)$/gm)]
      .reduce((a, m) => a + Number(m[1]), 0);
    assert.ok(sum(after) - sum(before) >= 250, `drops +${sum(after) - sum(before)} for 300 garbage datagrams`);
  });

  S.it('the default (loopback) address is not reachable from the WAN', 30000, async () => {
    const s = await scrape('wan', ADDR.pa);
    assert.equal(s.status, 0, `scrape of ${ADDR.pa}:${METRICS_DEFAULT_PORT} from the WAN answered ${s.status}`);
    assert.match(s.text, /ECONNREFUSED|timeout|abort/i);
  });
});
