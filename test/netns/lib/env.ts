// Where things are, and whether the namespace tests can run here at all.
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRepo(): string {
  let d = __dirname;
  for (let i = 0; i < 8; i++) {
    const p = path.join(d, 'package.json');
    if (fs.existsSync(p)) {
      try { if (JSON.parse(fs.readFileSync(p, 'utf8')).name === 'bridgehead') return d; } catch { /* keep looking */ }
    }
    d = path.dirname(d);
  }
  throw new Error(`cannot find the bridgehead checkout above ${__dirname}`);
}

export const REPO = findRepo();
export const TOPOLOGY_SH = path.join(REPO, 'scripts', 'topology.sh');
export const PCAP_CAPTURE = path.join(REPO, 'scripts', 'pcap-capture.js');
/** The bridgehead CLI under test ($BH_CLI overrides, e.g. to test another build). */
export const CLI = process.env.BH_CLI ?? path.join(REPO, 'dist', 'src', 'cli', 'main.js');
export const NODE = process.execPath;
/** Compiled helper scripts next to this file (dist/test/netns/lib/*.js). */
export const helperScript = (name: string): string => path.join(__dirname, `${name}.js`);

export function isRoot(): boolean { return typeof process.getuid === 'function' && process.getuid() === 0; }

/**
 * false when the namespace tests can run; otherwise the reason, after printing one loud line
 * (the tests are then reported as skipped with this reason, never as passed).
 */
export function netnsSkipReason(file: string): string | false {
  if (isRoot()) return false;
  const reason = 'not root: namespace tests need root (CI runs them as root)';
  const line = `!!!!!!!! SKIPPED (not root): ${path.basename(file)} -- network-namespace tests need root; ` +
    `run them as root to test the appliance for real !!!!!!!!`;
  process.stdout.write(`\n${line}\n\n`);
  process.stderr.write(`${line}\n`);
  return reason;
}

/** Missing prerequisites (commands, the built CLI) as one message, or null. */
export function missingPrerequisites(extraCmds: string[] = []): string | null {
  const cmds = ['ip', 'nft', 'ping', 'timeout', 'ss', ...extraCmds];
  const pathDirs = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  const missing = cmds.filter((c) => !pathDirs.some((d) => fs.existsSync(path.join(d, c))));
  const problems: string[] = [];
  if (missing.length) problems.push(`missing commands: ${missing.join(', ')}`);
  if (!fs.existsSync(CLI)) problems.push(`the CLI is not built (${CLI})`);
  return problems.length ? `${problems.join('; ')} -- run: bash scripts/setup.sh` : null;
}
