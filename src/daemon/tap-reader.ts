// Which TAP reader runs (options.tapReader, docs/INTERNALS.md 2h): io_uring chains (one submit reads
// up to 64 frames in TAP order) or one read() per frame (the default). 'auto' takes io_uring when
// the kernel allows it; the reason it does not (ENOSYS, EPERM from seccomp or kernel.io_uring_disabled, a
// failed submit) is logged once at start and shown by status.
import { constants } from 'node:os';
import type { TapReader } from './env-switch';

/** The default of tapReader / BRIDGEHEAD_TAP_READER, decided by measurement (docs/BENCHMARKS.md, issue 15,
 * "Batched TAP reads"): a hard-linked io_uring chain costs ~340 ns of CPU per 64-byte frame against
 * ~255 ns for read() on this guest, and the harness A/B showed no gain, so read() stays the default. */
export const TAP_READER_DEFAULT: TapReader = 'read';

export interface TapReaderState {
  reader: 'io_uring' | 'read';
  /** why read() runs: 'asked' (tapReader 'read') or the errno name of io_uring's failure; absent with io_uring */
  why?: string;
  /** io_uring submits (syscalls) and the frames they read */
  submits: number;
  frames: number;
}

function errnoName(n: number): string {
  const hit = Object.entries(constants.errno).find(([, v]) => v === n);
  return hit ? hit[0] : `errno ${n}`;
}

export function tapReaderState(g: { tapReaderIoUring: number; tapReaderErrno: number; tapUringSubmits: number; tapUringFrames: number }): TapReaderState {
  const s: TapReaderState = { reader: g.tapReaderIoUring ? 'io_uring' : 'read', submits: g.tapUringSubmits, frames: g.tapUringFrames };
  if (!g.tapReaderIoUring) s.why = g.tapReaderErrno ? errnoName(g.tapReaderErrno) : 'asked';
  return s;
}

/** The start-up log line: which reader runs and why. */
export function tapReaderLogLine(s: TapReaderState, asked: TapReader): string {
  if (s.reader === 'io_uring') return `TAP reader: io_uring (batched reads; tapReader '${asked}')`;
  if (s.why === 'asked') return "TAP reader: read() per frame (tapReader 'read')";
  return `TAP reader: read() per frame (io_uring unavailable: ${s.why}; tapReader '${asked}')`;
}
