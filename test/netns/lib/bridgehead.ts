// bridgehead driven through its CLI only (init / invite / join / up / status), as an operator
// would, inside the appliance namespaces of the topology.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StatusSnapshot } from '../../../src/ipc/status-types';
import { CLI, NODE } from './env';
import { Background, Exit, RunResult, WaitAbort, describeResult, waitFor } from './proc';
import { NetnsSuite } from './suite';
import { ADDR, NodeName } from './topology';

export const PORT = 51820;
const LOG_LEVEL = process.env.BH_TEST_LOG_LEVEL ?? 'debug';

export class Appliance {
  readonly dir: string;
  readonly logFile: string;
  daemon: Background | null = null;
  starts = 0;

  constructor(readonly suite: NetnsSuite, readonly node: NodeName, readonly name: string,
    readonly tap = 'bh0', readonly bridge = 'br0') {
    this.dir = path.join(suite.work, name);
    this.logFile = suite.logFile(`${name}-daemon.log`);
    suite.addLogSource({ name: `${name} daemon (${suite.topo.ns(node)})`, tail: (n) => this.logTail(n) });
  }

  get socketPath(): string { return path.join(this.dir, 'bridgehead.sock'); }

  cli(args: string[], timeoutMs = 20000): Promise<RunResult> {
    return this.suite.topo.exec(this.node, [NODE, CLI, ...args], { timeoutMs });
  }

  async cliOk(args: string[], timeoutMs = 20000): Promise<RunResult> {
    const r = await this.cli(args, timeoutMs);
    if (r.code !== 0 || r.timedOut) throw new Error(`${this.name}: ${describeResult(r)}`);
    return r;
  }

  init(extra: string[]): Promise<RunResult> {
    return this.cliOk(['init', '--config', this.dir, '--name', this.name, ...extra]);
  }

  /** `invite`: the token is the last line of stdout. */
  async invite(): Promise<string> {
    const r = await this.cliOk(['invite', '--config', this.dir]);
    const token = r.stdout.trim().split('\n').pop()?.trim() ?? '';
    if (!token || /\s/.test(token)) throw new Error(`${this.name}: invite printed no token: ${describeResult(r)}`);
    return token;
  }

  join(token: string, timeoutS = 20): Promise<RunResult> {
    return this.cliOk(['join', '--config', this.dir, '--timeout', `${timeoutS}s`, token], (timeoutS + 10) * 1000);
  }

  /** `up` in the background (foreground daemon), output appended to the log file. */
  start(): Background {
    if (this.daemon?.running) throw new Error(`${this.name}: daemon already running (pid ${this.daemon.pid})`);
    this.starts++;
    fs.appendFileSync(this.logFile, `==== ${new Date().toISOString()} start #${this.starts}: bridgehead up ====\n`);
    this.daemon = this.suite.track(this.suite.topo.spawn(this.node, `${this.name}-daemon`,
      [NODE, CLI, 'up', '--config', this.dir, '--log-level', LOG_LEVEL], this.logFile));
    return this.daemon;
  }

  /** Daemon running, its UDP port bound, its TAP present and its control socket there. */
  async waitReady(timeoutMs = 20000): Promise<void> {
    const d = this.daemon;
    if (!d) throw new Error(`${this.name}: not started`);
    await waitFor(`${this.name} daemon ready (UDP ${PORT}, TAP ${this.tap}, control socket)`, timeoutMs, async () => {
      if (!d.running) throw new WaitAbort(`daemon exited early (${JSON.stringify(d.exit)}):\n${this.logTail(20)}`);
      return (await this.suite.topo.udpListening(this.node, PORT)) &&
        (await this.suite.topo.link(this.node, this.tap)) !== null &&
        fs.existsSync(this.socketPath);
    });
  }

  async status(): Promise<StatusSnapshot> {
    const r = await this.cliOk(['status', '--config', this.dir, '--json'], 10000);
    try { return JSON.parse(r.stdout) as StatusSnapshot; } catch {
      throw new Error(`${this.name}: status --json is not JSON: ${r.stdout.slice(0, 400)}`);
    }
  }

  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 10000): Promise<{ exit: Exit; forced: boolean }> {
    if (!this.daemon) throw new Error(`${this.name}: no daemon was started`);
    return this.daemon.stop(sig, graceMs);
  }

  logTail(lines = 25): string {
    try { return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch {
      return '(no log yet)';
    }
  }
}

export interface Sites { provider: Appliance; tenant: Appliance; token: string }

export interface PairOptions {
  waitPingMs?: number;
  /** extra `init` arguments for each side (e.g. ['--site', 'tenant'], ['--wan-rate', '95mbit']) */
  providerInit?: string[];
  tenantInit?: string[];
  /** edits each side's bridgehead.json after `init`, before `up` (see patchConfig) */
  patch?: (cfg: Record<string, any>) => void;
}

/** Rewrites an initialised appliance's bridgehead.json through `edit`, keeping its mode. */
export function patchConfig(a: Appliance, edit: (cfg: Record<string, any>) => void): void {
  const file = path.join(a.dir, 'bridgehead.json');
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(cfg);
  fs.writeFileSync(file, `${JSON.stringify(cfg, null, 2)}\n`, { mode: fs.statSync(file).mode & 0o777 });
}

/** The demo's pairing, step by step: init both, invite on the provider, up provider, join, up tenant. */
export async function pairSites(suite: NetnsSuite, opts: PairOptions = {}): Promise<Sites> {
  const provider = new Appliance(suite, 'pa', 'provider');
  const tenant = new Appliance(suite, 'ta', 'tenant');
  await provider.init(['--listen', `${ADDR.pa}:${PORT}`, '--endpoint', `${ADDR.pa}:${PORT}`, '--tap', 'bh0', '--bridge', 'br0',
    ...(opts.providerInit ?? [])]);
  await tenant.init(['--listen', `0.0.0.0:${PORT}`, '--tap', 'bh0', '--bridge', 'br0', ...(opts.tenantInit ?? [])]);
  if (opts.patch) {
    patchConfig(provider, opts.patch);
    patchConfig(tenant, opts.patch);
  }
  const token = await provider.invite();
  provider.start();
  await provider.waitReady();
  await tenant.join(token);
  tenant.start();
  await tenant.waitReady();
  await suite.topo.waitForPing('t1', ADDR.p1, opts.waitPingMs ?? 30000);
  return { provider, tenant, token };
}

/** Sum of all drop counters of a status snapshot. */
export function totalDrops(s: StatusSnapshot): number {
  return Object.values(s.drops ?? {}).reduce((a, b) => a + (Number(b) || 0), 0);
}
