// HA: the TAP joins the bridge only on the active member and leaves it (and goes down) on the
// standby, with iproute2 (control plane, at role changes only).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { attachToBridge as attachTap } from './link';

const run = promisify(execFile);

/** Up, and into the bridge when there is one (a TAP without a bridge is only brought up). */
export async function attachToBridge(tap: string, bridge: string | null): Promise<void> {
  if (bridge) return attachTap(tap, bridge);
  await ipLink(['set', 'dev', tap, 'up'], `cannot bring ${tap} up`);
}

/** Down first (no frame either way from then on), then out of the bridge. */
export async function detachFromBridge(tap: string): Promise<void> {
  await ipLink(['set', 'dev', tap, 'down'], `cannot take ${tap} down`);
  await ipLink(['set', 'dev', tap, 'nomaster'], `cannot take ${tap} out of its bridge`);
}

async function ipLink(args: string[], what: string): Promise<void> {
  try {
    await run('ip', ['link', ...args], { timeout: 5000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${what}: ${(err.stderr ?? err.message).trim().split('\n')[0]}`);
  }
}
