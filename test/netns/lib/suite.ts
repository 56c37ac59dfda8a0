// One namespace test file = one NetnsSuite: a unique topology prefix, a work directory for
// configs and logs, and cleanup that runs in after(), on process exit and on Ctrl-C/SIGTERM.
//
//   const S = NetnsSuite.create(__filename, 'pair');
//   describe('pair', () => {
//     before(() => S.setup(), { timeout: 90000 });
//     after(() => S.teardown(), { timeout: 90000 });
//     S.it('pings', 60000, async () => { ... });
//   });
//
// When not root every S.it() is reported as skipped with the reason (and one loud line is printed).
import { it } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { netnsSkipReason, missingPrerequisites } from './env';
import { Topology, TopologyEnv } from './topology';
import { Background, killTrackedSync } from './proc';

export interface LogSource { name: string; tail(lines: number): string }

export class NetnsSuite {
  readonly topo: Topology;
  readonly skip: string | false;
  work = '';
  failed = false;
  private setupError: Error | null = null;
  private readonly backgrounds = new Set<Background>();
  private readonly logSources: LogSource[] = [];
  private cleanedUp = false;

  private constructor(readonly file: string, readonly tag: string, readonly prefix: string) {
    this.topo = new Topology(prefix);
    this.skip = netnsSkipReason(file);
  }

  /** tag: 2..8 lowercase letters naming the test file; the prefix adds the pid ("bh-pair-12345"). */
  static create(file: string, tag: string): NetnsSuite {
    if (!/^[a-z]{2,8}$/.test(tag)) throw new Error(`bad suite tag '${tag}'`);
    const s = new NetnsSuite(file, tag, `bh-${tag}-${process.pid}`);
    if (!s.skip) s.installExitHandlers();
    return s;
  }

  private installExitHandlers(): void {
    process.once('exit', () => this.cleanupSync());
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        process.stderr.write(`\n${this.prefix}: ${sig}, cleaning up namespaces\n`);
        this.cleanupSync();
        process.exit(128 + (os.constants.signals[sig] ?? 1));
      });
    }
  }

  /** Synchronous last-resort cleanup: kill our children by pid, delete our namespaces. */
  cleanupSync(): void {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    killTrackedSync('SIGKILL');
    this.topo.downSync();
    if (this.work && !this.failed && !this.setupError && process.env.BH_KEEP_LOGS !== '1') {
      try { fs.rmSync(this.work, { recursive: true, force: true }); } catch { /* best effort */ }
    }
  }

  /** Fresh topology + work dir. Errors are kept and re-thrown by every test (clear failure). */
  async setup(env: TopologyEnv = {}, extraCmds: string[] = []): Promise<void> {
    if (this.skip) return;
    try {
      const missing = missingPrerequisites(extraCmds);
      if (missing) throw new Error(missing);
      this.work = fs.mkdtempSync(path.join(os.tmpdir(), `bh-netns-${this.tag}-`));
      await this.topo.up(env);
    } catch (e) {
      this.setupError = e as Error;
    }
  }

  /** Stop every background process (SIGTERM, bounded), delete the topology, remove the work dir. */
  async teardown(): Promise<void> {
    if (this.skip) return;
    for (const b of this.backgrounds) await b.stop('SIGTERM', 5000);
    const r = await this.topo.down();
    this.cleanedUp = true;
    if (r.code !== 0) process.stderr.write(`${this.prefix}: topology down failed: ${r.stderr}\n`);
    if (this.work) {
      if (this.failed || this.setupError || process.env.BH_KEEP_LOGS === '1') {
        process.stderr.write(`${this.prefix}: logs kept in ${this.work}\n`);
      } else {
        fs.rmSync(this.work, { recursive: true, force: true });
      }
    }
  }

  track(b: Background): Background { this.backgrounds.add(b); return b; }
  addLogSource(src: LogSource): void { this.logSources.push(src); }

  logFile(name: string): string { return path.join(this.work, name); }

  /** The last lines of every daemon log, for failure messages. */
  logTails(lines = 25): string {
    return this.logSources.map((s) => `--- ${s.name} (last ${lines} lines) ---\n${s.tail(lines)}`).join('\n');
  }

  /** A test with a timeout; skipped (with the reason) when not root; on failure the daemon logs are appended. */
  it(name: string, timeoutMs: number, fn: () => Promise<void>): void {
    it(name, { skip: this.skip, timeout: timeoutMs }, async () => {
      if (this.setupError) { this.failed = true; throw new Error(`setup failed: ${this.setupError.message}`); }
      try {
        await fn();
      } catch (e) {
        this.failed = true;
        const err = e instanceof Error ? e : new Error(String(e));
        const tails = this.logTails();
        if (tails) err.message += `\n${tails}`;
        throw err;
      }
    });
  }
}
