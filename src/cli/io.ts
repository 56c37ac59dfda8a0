// What the CLI needs from the outside world, injectable for tests, and the error classes that
// decide the exit code: UsageError -> 2 (bad command line), anything else -> 1 (runtime).

export interface Output {
  write(s: string): unknown;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  /** Called by runCli with the final exit code (main passes process.exit). */
  exit?: (code: number) => void;
  /** Environment (BRIDGEHEAD_CONFIG, BRIDGEHEAD_DEBUG); defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Wall clock in ms; defaults to Date.now. */
  now?: () => number;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A bad command line: unknown option, missing or bad value. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A runtime failure with a message fit for the user as it is. Exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Everything an action gets besides its parsed options. */
export interface CliContext {
  io: CliIo;
  now(): number;
  /** Informational line on stderr (stdout is reserved for the command's result). */
  info(line: string): void;
  /** Result line(s) on stdout. */
  out(line: string): void;
}

export function makeContext(io: CliIo): CliContext {
  return {
    io,
    now: io.now ?? Date.now,
    info: (line) => void io.stderr.write(`${line}\n`),
    out: (line) => void io.stdout.write(`${line}\n`),
  };
}
