// Jumbo frames (config mtu.maxFrameSize above the default): the TAP's MTU is raised so that the
// kernel forwards such frames to it (a bridge drops frames larger than the egress port's MTU).
// iproute2, once at start, before the TAP joins the bridge.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { MAX_FRAME_SIZE_DEFAULT } from '../config/mtu-config';

const run = promisify(execFile);

/** Ethernet header + one 802.1Q tag: a 9018-byte maximum frame means an MTU of 9000. */
export const FRAME_OVERHEAD = 18;

/** The TAP MTU for a maximum frame size, or null to leave the kernel's default (1500). */
export function tapMtuFor(maxFrameSize: number): number | null {
  return maxFrameSize > MAX_FRAME_SIZE_DEFAULT ? maxFrameSize - FRAME_OVERHEAD : null;
}

export async function setTapMtu(tap: string, mtu: number): Promise<void> {
  try {
    await run('ip', ['link', 'set', 'dev', tap, 'mtu', String(mtu)], { timeout: 5000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const why = (err.stderr ?? err.message).trim().split('\n')[0];
    throw new Error(`cannot set the MTU of ${tap} to ${mtu} (mtu.maxFrameSize): ${why}`);
  }
}
