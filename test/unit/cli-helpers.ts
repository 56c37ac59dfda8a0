// Shared helpers for the CLI tests: captured I/O and a temporary config directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../src/cli/program';
import type { CliIo } from '../../src/cli/io';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stderr split into lines (without the final empty one). */
  errLines: string[];
  outLines: string[];
}

function lines(s: string): string[] {
  return s === '' ? [] : s.replace(/\n$/, '').split('\n');
}

export async function run(argv: string[], opts: { env?: Record<string, string | undefined>; now?: () => number } = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  let exited: number | undefined;
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    exit: (c) => (exited = c),
    env: opts.env ?? {},
    now: opts.now,
  };
  const code = await runCli(argv, io);
  if (exited !== code) throw new Error(`io.exit got ${exited}, runCli returned ${code}`);
  return { code, stdout, stderr, errLines: lines(stderr), outLines: lines(stdout) };
}

export function tmpDir(prefix = 'bh-cli-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rm(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
