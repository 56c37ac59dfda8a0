// Durations on the command line: "90s", "30m", "24h", "7d", "1h30m", or plain seconds ("3600").
// Returned in milliseconds; bounds are checked by the caller's limits.

import { ValueError } from './value-error';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export interface DurationBounds {
  minMs: number;
  maxMs: number;
}

/** Invite lifetime: 1 minute .. 30 days. */
export const INVITE_TTL_BOUNDS: DurationBounds = { minMs: 60_000, maxMs: 30 * 86_400_000 };
/** Join timeout: 1 second .. 10 minutes. */
export const JOIN_TIMEOUT_BOUNDS: DurationBounds = { minMs: 1000, maxMs: 600_000 };

export function parseDuration(s: string, bounds?: DurationBounds): number {
  if (typeof s !== 'string' || s.trim() === '') throw new ValueError('empty duration');
  const text = s.trim().toLowerCase();
  let ms: number;
  if (/^[0-9]+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    if (!/^([0-9]+[smhd])+$/.test(text)) {
      throw new ValueError('expected a duration like 90s, 30m, 24h, 7d or plain seconds');
    }
    ms = 0;
    const seen = new Set<string>();
    for (const m of text.matchAll(/([0-9]+)([smhd])/g)) {
      if (seen.has(m[2])) throw new ValueError(`unit "${m[2]}" given twice`);
      seen.add(m[2]);
      ms += Number(m[1]) * UNIT_MS[m[2]];
    }
  }
  if (!Number.isSafeInteger(ms)) throw new ValueError('duration too long');
  if (bounds) {
    if (ms < bounds.minMs || ms > bounds.maxMs) {
      throw new ValueError(`must be between ${formatDuration(bounds.minMs)} and ${formatDuration(bounds.maxMs)}`);
    }
  }
  return ms;
}

/** Compact form: "1d2h", "30m", "45s", "0s" (sub-second remainders are dropped). */
export function formatDuration(ms: number): string {
  let s = Math.floor(Math.max(0, ms) / 1000);
  if (s === 0) return '0s';
  let out = '';
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      out += `${Math.floor(s / size)}${unit}`;
      s %= size;
    }
  }
  return out;
}

/** Long form for humans, like wg: "1 hour, 2 minutes, 3 seconds". */
export function formatDurationLong(ms: number): string {
  let s = Math.floor(Math.max(0, ms) / 1000);
  if (s === 0) return '0 seconds';
  const parts: string[] = [];
  for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]] as const) {
    if (s >= size) {
      const n = Math.floor(s / size);
      parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
      s %= size;
    }
  }
  return parts.join(', ');
}
