// The bridgehead command line: the commander program (buildProgram) and the top-level runner
// (runCli) that turns every outcome into one exit code and at most one stderr line:
//   0  success, --help, --version
//   1  runtime failure (config missing, daemon not running, join failed, ...)
//   2  usage error (unknown option/command, missing option/argument, bad value, extra args)
// Stack traces are shown only with BRIDGEHEAD_DEBUG=1.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands';
import type { ActionRunner } from './commands';
import { CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, makeContext } from './io';
import { oneLine } from '../util/value-error';
import { addTenantOption } from './tenant-option';

const results = new WeakMap<Command, { code: number }>();

function readVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, rel), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bridgehead' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      /* try the next location (source tree vs dist/) */
    }
  }
  return '0.0.0';
}

/** "error: unknown option '--x'\n(Did you mean --y?)\n" -> "bridgehead: unknown option '--x' (Did you mean --y?)\n" */
export function formatCommanderError(str: string): string {
  return `bridgehead: ${oneLine(str.replace(/^error:\s*/i, ''))}\n`;
}

export function buildProgram(io: CliIo): Command {
  const ctx = makeContext(io);
  const program = new Command('bridgehead');
  const state = { code: EXIT_OK };
  let helpErrorShown = false;
  results.set(program, state);

  program
    .description('Stretch a Layer-2 segment between two sites over an authenticated, encrypted UDP tunnel.')
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        '  BRIDGEHEAD_CONFIG  default config directory for --config (else /etc/bridgehead)\n' +
        '  BRIDGEHEAD_DEBUG   set to 1 to print stack traces of errors\n\n' +
        'Exit codes: 0 success, 1 runtime failure, 2 usage error.',
    )
    .usage('<command> [options]')
    .version(readVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .enablePositionalOptions() // options after a subcommand are its own (`invite revoke ID -c DIR`)
    .showHelpAfterError(false)
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      // Only reached by "help because of an error" (no command given, `help nosuch`): a
      // screenful on stderr is not one line, so say what is wrong instead.
      // (The help arrives in several writes: print the line once per program.)
      writeErr: () => {
        if (helpErrorShown) return;
        helpErrorShown = true;
        io.stderr.write('bridgehead: missing or unknown command (run "bridgehead --help" for the list)\n');
      },
      outputError: (s) => void io.stderr.write(formatCommanderError(s)),
    })
    .exitOverride();

  const run: ActionRunner = (fn) => async (...args) => {
    const code = await fn(...args);
    state.code = typeof code === 'number' ? code : EXIT_OK;
  };
  // Subcommands inherit the settings above (output, exitOverride, ...) when created.
  for (const spec of COMMANDS) spec.define(program, io, ctx, run).allowExcessArguments(false);
  addTenantOption(program);
  return program;
}

/** The exit code the last action of `program` asked for (0 when it returned nothing). */
export function actionExitCode(program: Command): number {
  return results.get(program)?.code ?? EXIT_OK;
}

function debugEnabled(io: CliIo): boolean {
  const v = (io.env ?? process.env).BRIDGEHEAD_DEBUG;
  return v !== undefined && v !== '' && v !== '0';
}

/** Map any error to its one stderr line and exit code. */
export function reportError(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT_OK;
    return EXIT_USAGE; // the line was already written by outputError / writeErr
  }
  const msg = e instanceof Error ? oneLine(e.message) : oneLine(String(e));
  io.stderr.write(`bridgehead: ${msg || 'unknown error'}\n`);
  if (debugEnabled(io) && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return e instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}

/** Parse argv (without "node script"), run the command, return (and io.exit) the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number;
  try {
    const program = buildProgram(io);
    await program.parseAsync([...argv], { from: 'user' });
    code = actionExitCode(program);
  } catch (e) {
    code = reportError(e, io);
  }
  io.exit?.(code);
  return code;
}
