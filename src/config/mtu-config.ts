// The `mtu` section of bridgehead.json (docs/INTERNALS.md section 4): the tunnel's path MTU
// towards the peers. Pure validation; config.ts calls it.

import { LIMITS } from '../dataplane/limits';
import { knownFields, type Fail } from './fields';

/** Path MTU bounds (576..65535), as the data plane enforces them. */
export const PATH_MTU_MIN = LIMITS.pathMtu.min;
export const PATH_MTU_MAX = LIMITS.pathMtu.max;
/** Largest Ethernet frame the data plane accepts (options.maxFrameSize): 1518 + one 802.1Q tag by
 * default (1522); 1514 at least; up to a 9000-byte MTU + 14 + two tags for jumbo frames (9022,
 * docs/INTERNALS.md section 4). */
export const MAX_FRAME_SIZE_DEFAULT = LIMITS.maxFrameSize.default;
export const MAX_FRAME_SIZE_MIN = LIMITS.maxFrameSize.min;
export const MAX_FRAME_SIZE_MAX = LIMITS.maxFrameSize.max;

export interface MtuConfig {
  /** pinned path MTU (bytes of the outer IP packet) towards every peer; null = the default */
  pathMtu: number | null;
  /** lower the MSS of TCP SYNs crossing the tunnel to fit the path MTU (default false) */
  mssClamp: boolean;
  /** largest frame accepted from the LAN or a peer; absent = MAX_FRAME_SIZE_DEFAULT */
  maxFrameSize?: number;
}

export function parseMtuConfig(raw: unknown, fail: Fail): MtuConfig {
  const o = knownFields(raw, 'mtu', ['pathMtu', 'mssClamp', 'maxFrameSize'], fail);
  const mssClamp = o.mssClamp ?? false;
  if (typeof mssClamp !== 'boolean') fail('mtu.mssClamp', 'expected true or false', mssClamp);
  const mfs = o.maxFrameSize;
  if (mfs !== undefined && (typeof mfs !== 'number' || !Number.isInteger(mfs) || mfs < MAX_FRAME_SIZE_MIN || mfs > MAX_FRAME_SIZE_MAX))
    fail('mtu.maxFrameSize', `expected an integer ${MAX_FRAME_SIZE_MIN}..${MAX_FRAME_SIZE_MAX}`, mfs);
  const frame = mfs === undefined ? {} : { maxFrameSize: mfs as number };
  const v = o.pathMtu ?? null;
  if (v === null) return { pathMtu: null, mssClamp: mssClamp as boolean, ...frame };
  if (typeof v !== 'number' || !Number.isInteger(v) || v < PATH_MTU_MIN || v > PATH_MTU_MAX)
    fail('mtu.pathMtu', `expected null or an integer ${PATH_MTU_MIN}..${PATH_MTU_MAX}`, v);
  return { pathMtu: v as number, mssClamp: mssClamp as boolean, ...frame };
}
