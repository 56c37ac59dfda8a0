// Attaches the TAP device to the site's Linux bridge with iproute2 (control plane, once at start).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function attachToBridge(tap: string, bridge: string): Promise<void> {
  try {
    await run('ip', ['link', 'set', 'dev', tap, 'master', bridge], { timeout: 5000 });
    await run('ip', ['link', 'set', 'dev', tap, 'up'], { timeout: 5000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const why = (err.stderr ?? err.message).trim().split('\n')[0];
    throw new Error(`cannot attach ${tap} to bridge "${bridge}": ${why}`);
  }
}
