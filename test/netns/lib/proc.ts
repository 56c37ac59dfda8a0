// Child processes for the namespace tests: every command runs with a timeout, every background
// process is tracked so that a crash or Ctrl-C of the test process still stops it (by pid).
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  cmd: string;
}

export interface RunOptions {
  timeoutMs: number;          // required: nothing waits forever
  input?: string;
  env?: NodeJS.ProcessEnv;
  maxOutput?: number;         // bytes kept per stream (default 4 MiB)
}

const tracked = new Set<ChildProcess>();

/** Pids of the background processes still running (for the synchronous exit handler). */
export function trackedPids(): number[] {
  return [...tracked].filter((c) => c.exitCode === null && c.signalCode === null && c.pid)
    .map((c) => c.pid as number);
}

export function killTrackedSync(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of trackedPids()) { try { process.kill(pid, signal); } catch { /* gone */ } }
}

export function quoteCmd(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Run argv[0] with args; resolves (never rejects) when it exits or after timeoutMs (then SIGKILL). */
export function run(argv: string[], opts: RunOptions): Promise<RunResult> {
  const max = opts.maxOutput ?? 4 << 20;
  return new Promise((resolve) => {
    const cmd = quoteCmd(argv);
    let child: ChildProcess;
    try {
      child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    } catch (e) {
      resolve({ code: 127, signal: null, stdout: '', stderr: String(e), timedOut: false, cmd });
      return;
    }
    tracked.add(child);
    let stdout = '', stderr = '', timedOut = false, settled = false;
    child.stdout!.on('data', (d: Buffer) => { if (stdout.length < max) stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { if (stderr.length < max) stderr += d.toString(); });
    child.stdin!.on('error', () => { /* child may exit before reading */ });
    if (opts.input !== undefined) child.stdin!.end(opts.input); else child.stdin!.end();
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs);
    const done = (code: number | null, signal: NodeJS.Signals | null, extra = '') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tracked.delete(child);
      resolve({ code, signal, stdout, stderr: stderr + extra, timedOut, cmd });
    };
    child.on('error', (e) => done(127, null, String(e)));
    child.on('close', (code, signal) => done(code, signal));
  });
}

export function describeResult(r: RunResult): string {
  const how = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  const tail = (s: string) => s.trim().split('\n').slice(-15).join('\n    ');
  return `\`${r.cmd}\` ${how}` +
    (r.stdout.trim() ? `\n  stdout:\n    ${tail(r.stdout)}` : '') +
    (r.stderr.trim() ? `\n  stderr:\n    ${tail(r.stderr)}` : '');
}

/** Like run(), but throws (with the command, its exit and output) unless it exits 0. */
export async function runOk(argv: string[], opts: RunOptions): Promise<RunResult> {
  const r = await run(argv, opts);
  if (r.code !== 0 || r.timedOut) throw new Error(describeResult(r));
  return r;
}

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

/** A long-running background process with its output in a log file. */
export class Background {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  private exitInfo: Exit | null = null;

  constructor(readonly name: string, readonly argv: string[], readonly logFile: string) {
    const fd = fs.openSync(logFile, 'a', 0o600);
    try {
      this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd);
    }
    tracked.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.on('error', () => { this.exitInfo = { code: 127, signal: null }; resolve(this.exitInfo); });
      this.child.on('exit', (code, signal) => {
        tracked.delete(this.child);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number { return this.child.pid ?? -1; }
  get running(): boolean { return this.exitInfo === null; }
  get exit(): Exit | null { return this.exitInfo; }

  /** Waits at most timeoutMs for the exit; null if still running. */
  async waitExit(timeoutMs: number): Promise<Exit | null> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => { t = setTimeout(() => r(null), timeoutMs); });
    try { return await Promise.race([this.exited, timeout]); } finally { clearTimeout(t); }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) { try { this.child.kill(sig); } catch { /* gone */ } }
  }

  /** `sig` (default SIGTERM), wait up to graceMs, then SIGKILL. Returns how it ended. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 10000): Promise<{ exit: Exit; forced: boolean }> {
    if (!this.running) return { exit: this.exitInfo!, forced: false };
    this.signal(sig);
    const e = await this.waitExit(graceMs);
    if (e) return { exit: e, forced: false };
    this.signal('SIGKILL');
    const e2 = await this.waitExit(5000);
    return { exit: e2 ?? { code: null, signal: 'SIGKILL' }, forced: true };
  }

  logTail(lines = 30): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch (e) {
      return `(no log: ${(e as Error).message})`;
    }
  }
}

export function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

/** Thrown from a waitFor() check to stop waiting at once (e.g. the daemon died). */
export class WaitAbort extends Error {}

/** Poll `check` every intervalMs until it returns a truthy value or timeoutMs passes (then throws). */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | null | undefined | false>,
  intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      if (e instanceof WaitAbort) throw new Error(`gave up waiting for ${what}: ${e.message}`);
      last = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
        (last ? ` (last error: ${(last as Error).message ?? last})` : ''));
    }
    await sleep(intervalMs);
  }
}
