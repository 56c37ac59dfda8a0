#!/usr/bin/env node
// The `bridgehead` executable (package.json "bin"): run the CLI with the real process I/O.
// Anything that escapes (it should not) still ends as one line and exit code 1.

import { reportError, runCli } from './program';

const io = {
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code: number) => process.exit(code),
};

// `bridgehead invite | head -c0` must not crash with EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});
process.on('uncaughtException', (e) => process.exit(reportError(e, io) || 1));
process.on('unhandledRejection', (e) => process.exit(reportError(e, io) || 1));

void runCli(process.argv.slice(2), io);
