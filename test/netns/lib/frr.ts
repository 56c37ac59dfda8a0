// FRR (zebra + bgpd) inside one test namespace: its own config, pid files, zebra API socket, vty
// sockets and logs under the suite's work directory (nothing in /etc/frr or /var/run/frr), both
// daemons in the foreground under `timeout` (bounded lifetime), stopped by stop(), the suite's
// teardown (every process of our namespaces is killed) or the exit handler (tracked pids).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './env';
import { Background, RunResult, run, runOk, waitFor, WaitAbort } from './proc';
import { NetnsSuite } from './suite';

export const FRR_DIR = '/usr/lib/frr';
const LIFETIME_S = 900;

export function frrMissing(): string | null {
  for (const f of ['zebra', 'bgpd']) if (!fs.existsSync(path.join(FRR_DIR, f))) return `FRR is not installed (${FRR_DIR}/${f}) -- run: bash scripts/setup.sh`;
  return null;
}

export class FrrVtep {
  readonly dir: string;
  zebra: Background | null = null;
  bgpd: Background | null = null;

  /** suite: a NetnsSuite, or any test's work directory and process tracking of the same shape */
  constructor(readonly suite: Pick<NetnsSuite, 'work' | 'track' | 'addLogSource'>, readonly ns: string, readonly name: string,
    readonly routerId: string, readonly peers: string[], readonly asn = 65000) {
    this.dir = path.join(suite.work, `frr-${name}`);
    suite.addLogSource({ name: `frr ${name} (${ns})`, tail: (n) => this.logTail(n) });
  }

  private daemonArgv(daemon: 'zebra' | 'bgpd', conf: string): string[] {
    return ['ip', 'netns', 'exec', this.ns, 'timeout', String(LIFETIME_S), path.join(FRR_DIR, daemon),
      '-f', conf, '-i', path.join(this.dir, `${daemon}.pid`), '-z', path.join(this.dir, 'zserv.api'),
      '--vty_socket', this.dir, '-P', '0', '--log', `file:${path.join(this.dir, `${daemon}.log`)}`];
  }

  async start(): Promise<void> {
    // the daemons drop to the frr user: it must reach and write this directory
    fs.chmodSync(this.suite.work, 0o711);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o777 });
    fs.chmodSync(this.dir, 0o777);
    const zconf = path.join(this.dir, 'zebra.conf'), bconf = path.join(this.dir, 'bgpd.conf');
    fs.writeFileSync(zconf, `hostname ${this.name}\n`, { mode: 0o644 });
    const g = await runOk(['bash', path.join(REPO, 'appliance', 'frr', 'bgpd-evpn.sh'), '--asn', String(this.asn),
      '--router-id', this.routerId, '--hostname', this.name, ...this.peers.flatMap((p) => ['--peer', p])], { timeoutMs: 5000 });
    fs.writeFileSync(bconf, g.stdout, { mode: 0o644 });
    this.zebra = this.suite.track(new Background(`zebra-${this.name}`, this.daemonArgv('zebra', zconf), path.join(this.dir, 'zebra.out')));
    await waitFor(`zebra of ${this.name} listening`, 10000, async () => {
      if (!this.zebra?.running) throw new WaitAbort(`zebra exited: ${this.zebra?.logTail(10)}`);
      return fs.existsSync(path.join(this.dir, 'zserv.api'));
    }, 100);
    this.bgpd = this.suite.track(new Background(`bgpd-${this.name}`, this.daemonArgv('bgpd', bconf), path.join(this.dir, 'bgpd.out')));
    await waitFor(`bgpd of ${this.name} up`, 10000, async () => {
      if (!this.bgpd?.running) throw new WaitAbort(`bgpd exited: ${this.bgpd?.logTail(10)}`);
      return fs.existsSync(path.join(this.dir, 'bgpd.vty'));
    }, 100);
  }

  vtysh(...cmds: string[]): Promise<RunResult> {
    return run(['ip', 'netns', 'exec', this.ns, 'vtysh', '--vty_socket', this.dir, ...cmds.flatMap((c) => ['-c', c])], { timeoutMs: 10000 });
  }

  async vtyshOk(...cmds: string[]): Promise<string> {
    const r = await this.vtysh(...cmds);
    if (r.code !== 0) throw new Error(`vtysh ${cmds.join('; ')} in ${this.ns}: exit ${r.code}: ${r.stderr.trim()} ${r.stdout.slice(0, 300)}`);
    return r.stdout;
  }

  /** `show evpn mac vni VNI mac MAC json` (type local/remote, sequence numbers, remote VTEP). */
  async evpnMac(vni: number, mac: string): Promise<Record<string, any> | null> {
    const out = await this.vtysh(`show evpn mac vni ${vni} mac ${mac} json`);
    try {
      const j = JSON.parse(out.stdout) as Record<string, any>;
      return j[mac] ?? (Object.keys(j).length ? j : null);
    } catch { return null; }
  }

  async stop(): Promise<void> {
    await this.bgpd?.stop('SIGTERM', 3000);
    await this.zebra?.stop('SIGTERM', 3000);
  }

  logTail(lines: number): string {
    const tail = (f: string) => { try { return fs.readFileSync(path.join(this.dir, f), 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return '(none)'; } };
    return `zebra.log:\n${tail('zebra.log')}\nbgpd.log:\n${tail('bgpd.log')}`;
  }
}
