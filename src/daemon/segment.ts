// Creates a segment's kernel objects at start and deletes them when the tenant is removed
// (docs/INTERNALS.md section 9.6); the plan is src/control/segment-plan.ts. What this appliance
// created (and only that) is recorded in DIR/segment-owned.json, written after every creation, so
// a removal deletes exactly that even after restarts; objects that existed before are used, never
// deleted. A daemon stop keeps the segment (the TAP goes, the VLAN/VNI and bridge stay).

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SegmentConfig } from '../config/segment-config';
import { formatOwned, parseLinks, parseOwned, planSegment, planTeardown, type OwnedLink } from '../control/segment-plan';

const CMD_TIMEOUT_MS = 5000;
const CMD_MAX_BYTES = 16 << 20;
export const OWNED_FILE = 'segment-owned.json';

function exec(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { timeout: CMD_TIMEOUT_MS, maxBuffer: CMD_MAX_BYTES, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${(stderr || err.message).trim().split('\n')[0]}`));
      else resolve(stdout);
    });
  });
}

const readLinks = async () => parseLinks(await exec(['ip', '-d', '-j', 'link', 'show']));

function loadOwned(dir: string): OwnedLink[] {
  let text: string;
  try { text = fs.readFileSync(path.join(dir, OWNED_FILE), 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseOwned(text);
}

function saveOwned(dir: string, list: readonly OwnedLink[]): void {
  const file = path.join(dir, OWNED_FILE);
  fs.writeFileSync(`${file}.tmp`, formatOwned(list), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** Makes the segment exist; returns the names it created now. Throws one line on a conflict. */
export async function ensureSegment(dir: string, seg: SegmentConfig, bridge: string): Promise<string[]> {
  const plan = planSegment(seg, bridge, await readLinks());
  if (!plan.ok) throw new Error(`segment: ${plan.error}`);
  const owned = loadOwned(dir);
  const created: string[] = [];
  for (const c of plan.commands) {
    await exec(c.argv).catch((e: Error) => { throw new Error(`segment: ${e.message}`); });
    if (c.creates) {
      created.push(c.creates.name);
      if (!owned.some((o) => o.name === c.creates?.name)) { owned.push(c.creates); saveOwned(dir, owned); }
    }
  }
  return created;
}

/** Deletes what DIR's record says this appliance created; returns the names deleted. */
export async function teardownSegment(dir: string): Promise<string[]> {
  const owned = loadOwned(dir);
  if (owned.length === 0) return [];
  const cmds = planTeardown(owned, await readLinks());
  for (const argv of cmds) await exec(argv).catch((e: Error) => { throw new Error(`segment: ${e.message}`); });
  fs.rmSync(path.join(dir, OWNED_FILE), { force: true });
  return cmds.map((a) => a[a.length - 1]);
}
