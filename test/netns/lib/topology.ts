// The two-site topology (scripts/topology.sh) seen from a test: bring it up and down under a
// unique prefix, run commands in its namespaces with timeouts, and the usual probes (ping,
// neighbors, links, UDP sockets, iperf3).
import { execFileSync } from 'node:child_process';
import { TOPOLOGY_SH } from './env';
import { run, runOk, RunResult, RunOptions, Background } from './proc';

export type NodeName = 't1' | 't2' | 'p1' | 'ta' | 'pa' | 'nat' | 'wan';

/** Fixed addresses of scripts/topology.sh. */
export const ADDR = {
  t1: '198.19.10.11', t2: '198.19.10.12', p1: '198.19.10.21',
  ta: '198.18.1.2', natIn: '198.18.1.1', natOut: '198.18.2.2', wanToNat: '198.18.2.1',
  wanToPa: '198.18.3.1', pa: '198.18.3.2',
} as const;
export const MAC = { t1: '02:00:00:00:10:11', t2: '02:00:00:00:10:12', p1: '02:00:00:00:10:21' } as const;

export interface TopologyEnv {
  WAN_MTU?: number; LAN_MTU?: number; NO_NAT?: boolean; WAN_EMU?: boolean; WAN_EMU_ARGS?: string;
  NAT_UDP_TIMEOUT?: number; WAN_EMU_DURATION?: number;
}

export interface PingResult { transmitted: number; received: number; ttls: number[]; replies: string[]; raw: string }

export class Topology {
  constructor(readonly prefix: string) {
    if (!/^[a-z][a-z0-9-]{2,22}[a-z0-9]$/.test(prefix)) throw new Error(`bad topology prefix '${prefix}'`);
  }

  ns(node: NodeName): string { return `${this.prefix}-${node}`; }

  private env(e: TopologyEnv): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, BH_TOPO_OWNER: String(process.pid) };
    for (const k of ['WAN_MTU', 'LAN_MTU', 'NO_NAT', 'WAN_EMU', 'WAN_EMU_ARGS', 'NAT_UDP_TIMEOUT', 'WAN_EMU_DURATION'] as const) {
      delete env[k];
    }
    if (e.WAN_MTU) env.WAN_MTU = String(e.WAN_MTU);
    if (e.LAN_MTU) env.LAN_MTU = String(e.LAN_MTU);
    if (e.NO_NAT) env.NO_NAT = '1';
    if (e.WAN_EMU) env.WAN_EMU = '1';
    if (e.WAN_EMU_ARGS) env.WAN_EMU_ARGS = e.WAN_EMU_ARGS;
    if (e.WAN_EMU_DURATION) env.WAN_EMU_DURATION = String(e.WAN_EMU_DURATION);
    if (e.NAT_UDP_TIMEOUT) env.NAT_UDP_TIMEOUT = String(e.NAT_UDP_TIMEOUT);
    return env;
  }

  /** A fresh topology (whatever was left under this prefix is removed first). */
  async up(e: TopologyEnv = {}): Promise<void> {
    await this.down();
    await runOk(['bash', TOPOLOGY_SH, 'up', this.prefix], { timeoutMs: 60000, env: this.env(e) });
  }

  async down(): Promise<RunResult> {
    return run(['bash', TOPOLOGY_SH, 'down', this.prefix], { timeoutMs: 60000 });
  }

  /** For process 'exit' handlers: synchronous, bounded, never throws. */
  downSync(): void {
    try {
      execFileSync('bash', [TOPOLOGY_SH, 'down', this.prefix], { timeout: 30000, stdio: 'ignore' });
    } catch { /* best effort; `ip netns list` shows leftovers */ }
  }

  async check(e: TopologyEnv = {}): Promise<RunResult> {
    return run(['bash', TOPOLOGY_SH, 'check', this.prefix], { timeoutMs: 60000, env: this.env(e) });
  }

  /** argv inside the namespace of `node`. */
  argv(node: NodeName, argv: string[]): string[] { return ['ip', 'netns', 'exec', this.ns(node), ...argv]; }

  exec(node: NodeName, argv: string[], opts: Partial<RunOptions> = {}): Promise<RunResult> {
    return run(this.argv(node, argv), { timeoutMs: 20000, ...opts });
  }

  execOk(node: NodeName, argv: string[], opts: Partial<RunOptions> = {}): Promise<RunResult> {
    return runOk(this.argv(node, argv), { timeoutMs: 20000, ...opts });
  }

  /** A background process in `node`'s namespace, output to logFile. */
  spawn(node: NodeName, name: string, argv: string[], logFile: string): Background {
    return new Background(name, this.argv(node, argv), logFile);
  }

  // ------------------------------------------------------------ probes

  /** ping with count AND deadline; parses every reply's TTL. */
  async ping(node: NodeName, dst: string, o: { count: number; deadlineS: number; intervalS?: number;
    size?: number; pattern?: string; waitS?: number }): Promise<PingResult> {
    const argv = ['ping', '-n', '-c', String(o.count), '-w', String(o.deadlineS)];
    if (o.intervalS !== undefined) argv.push('-i', String(o.intervalS));
    if (o.size !== undefined) argv.push('-s', String(o.size));
    if (o.pattern !== undefined) argv.push('-p', o.pattern);
    if (o.waitS !== undefined) argv.push('-W', String(o.waitS));
    argv.push(dst);
    const r = await this.exec(node, argv, { timeoutMs: (o.deadlineS + 5) * 1000 });
    return parsePing(r.stdout + r.stderr);
  }

  /** Single pings until one gets through; returns the ms it took, throws after timeoutMs. */
  async waitForPing(node: NodeName, dst: string, timeoutMs: number): Promise<number> {
    const start = Date.now();
    let last = '';
    while (Date.now() - start < timeoutMs) {
      const r = await this.exec(node, ['ping', '-n', '-c', '1', '-W', '1', '-w', '2', dst], { timeoutMs: 5000 });
      if (r.code === 0) return Date.now() - start;
      last = (r.stdout + r.stderr).trim().split('\n').slice(-2).join(' | ');
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error(`${node} could not ping ${dst} within ${timeoutMs} ms (last: ${last})`);
  }

  /** The MAC `node` has for `ip` in its neighbor table (any state but FAILED/INCOMPLETE), or null. */
  async neighMac(node: NodeName, ip: string, dev = 'eth0'): Promise<string | null> {
    const r = await this.execOk(node, ['ip', '-j', 'neigh', 'show', ip, 'dev', dev], { timeoutMs: 5000 });
    const entries = JSON.parse(r.stdout || '[]') as Array<{ dst: string; lladdr?: string; state?: string[] }>;
    const e = entries.find((x) => x.dst === ip && x.lladdr && !(x.state ?? []).some((s) => s === 'FAILED' || s === 'INCOMPLETE'));
    return e?.lladdr?.toLowerCase() ?? null;
  }

  async flushNeigh(node: NodeName, dev = 'eth0'): Promise<void> {
    await this.execOk(node, ['ip', 'neigh', 'flush', 'dev', dev], { timeoutMs: 5000 });
  }

  /** `ip -d -j link show dev` parsed, or null when the link does not exist. */
  async link(node: NodeName, dev: string): Promise<LinkInfo | null> {
    const r = await this.exec(node, ['ip', '-d', '-j', 'link', 'show', 'dev', dev], { timeoutMs: 5000 });
    if (r.code !== 0) return null;
    const arr = JSON.parse(r.stdout || '[]') as LinkInfo[];
    return arr[0] ?? null;
  }

  /** True when some UDP socket in `node` is bound to `port`. */
  async udpListening(node: NodeName, port: number): Promise<boolean> {
    const r = await this.exec(node, ['ss', '-H', '-u', '-a', '-n', `sport = :${port}`], { timeoutMs: 5000 });
    return r.code === 0 && r.stdout.trim() !== '';
  }

  async tcpListening(node: NodeName, port: number): Promise<boolean> {
    const r = await this.exec(node, ['ss', '-H', '-t', '-l', '-n', `sport = :${port}`], { timeoutMs: 5000 });
    return r.code === 0 && r.stdout.trim() !== '';
  }

  /** Kernel UDP counters of the namespace (/proc/net/snmp "Udp:" lines). */
  async udpSnmp(node: NodeName): Promise<Record<string, number>> {
    const r = await this.execOk(node, ['cat', '/proc/net/snmp'], { timeoutMs: 5000 });
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('Udp:'));
    const keys = lines[0].split(/\s+/).slice(1), vals = lines[1].split(/\s+/).slice(1).map(Number);
    return Object.fromEntries(keys.map((k, i) => [k, vals[i]]));
  }

  /**
   * iperf3 TCP from `client` to `server` (-t seconds), both bounded by `timeout`: a one-off server
   * (-1) and a client with a connect timeout.  Returns the parsed JSON summary.
   */
  async iperf3(client: NodeName, server: NodeName, serverIp: string, seconds: number, logDir: string,
    extra: string[] = [], port = 5201): Promise<IperfResult> {
    const bound = seconds + 20;
    const srv = this.spawn(server, `iperf3-server-${port}`,
      ['timeout', String(bound + 5), 'iperf3', '-s', '-1', '-B', serverIp, '-p', String(port)], `${logDir}/iperf3-server-${port}.log`);
    try {
      const deadline = Date.now() + 10000;
      while (!(await this.tcpListening(server, port))) {
        if (!srv.running || Date.now() > deadline) throw new Error(`iperf3 server did not start: ${srv.logTail(10)}`);
        await new Promise((res) => setTimeout(res, 100));
      }
      const r = await this.exec(client, ['timeout', String(bound), 'iperf3', '-c', serverIp, '-p', String(port),
        '-t', String(seconds), '-J', '--connect-timeout', '5000', ...extra], { timeoutMs: (bound + 5) * 1000 });
      let j: any;
      try { j = JSON.parse(r.stdout); } catch {
        throw new Error(`iperf3 client gave no JSON (exit ${r.code}${r.timedOut ? ', timed out' : ''}): ${r.stderr.trim()} ${r.stdout.slice(0, 500)}`);
      }
      if (j.error) throw new Error(`iperf3: ${j.error}`);
      const end = j.end ?? {};
      return {
        sentBytes: end.sum_sent?.bytes ?? 0,
        receivedBytes: end.sum_received?.bytes ?? 0,
        bitsPerSecond: end.sum_received?.bits_per_second ?? 0,
        retransmits: end.sum_sent?.retransmits ?? 0,
        exitCode: r.code,
      };
    } finally {
      await srv.stop('SIGTERM', 3000);
    }
  }
}

export interface LinkInfo {
  ifname: string; flags: string[]; mtu: number; master?: string; operstate?: string; address?: string;
  linkinfo?: { info_kind?: string; info_data?: { type?: string; [k: string]: unknown }; info_slave_kind?: string };
}

export interface IperfResult { sentBytes: number; receivedBytes: number; bitsPerSecond: number; retransmits: number; exitCode: number | null }

export function parsePing(out: string): PingResult {
  const replies = out.split('\n').filter((l) => /bytes from .*icmp_seq=/.test(l));
  const ttls = replies.map((l) => Number((/ttl=(\d+)/.exec(l) ?? [])[1] ?? NaN));
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(out);
  return { transmitted: m ? Number(m[1]) : 0, received: m ? Number(m[2]) : 0, ttls, replies, raw: out };
}
