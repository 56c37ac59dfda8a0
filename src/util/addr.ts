// Canonical text forms of neighbor addresses, pure: IPv4 dotted quad without leading zeros,
// IPv6 in RFC 5952 form (lowercase, no leading zeros, the longest run of two or more zero groups
// compressed, the first one on a tie), MAC as six lowercase hex pairs with colons. Messages and
// tables use only these forms, so one host has exactly one key.

const V4_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const V4_RE = new RegExp(`^${V4_OCTET}\\.${V4_OCTET}\\.${V4_OCTET}\\.${V4_OCTET}$`);
const V6_GROUP_RE = /^[0-9a-fA-F]{1,4}$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export type IpFamily = 4 | 6;

export function parseIpv4(s: string): Uint8Array | null {
  if (!V4_RE.test(s)) return null;
  return Uint8Array.from(s.split('.').map(Number));
}

export function parseIpv6(s: string): Uint8Array | null {
  if (s.length < 2 || s.length > 39) return null;
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return null;
  const head = dbl === -1 ? s : s.slice(0, dbl);
  const tail = dbl === -1 ? null : s.slice(dbl + 2);
  const hg = head === '' ? [] : head.split(':');
  const tg = tail === null || tail === '' ? [] : tail.split(':');
  if (![...hg, ...tg].every((g) => V6_GROUP_RE.test(g))) return null;
  if (tail === null ? hg.length !== 8 : hg.length + tg.length > 7) return null;
  const groups = [...hg, ...new Array<string>(8 - hg.length - tg.length).fill('0'), ...tg];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export function formatIpv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[2 * i] << 8) | b[2 * i + 1]);
  let bestAt = -1, bestLen = 1; // only runs of two or more groups are compressed
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** The family of a canonical address, or null when `s` is not canonical. */
export function canonicalIpFamily(s: string): IpFamily | null {
  if (parseIpv4(s)) return 4;
  const b = parseIpv6(s);
  return b && formatIpv6(b) === s ? 6 : null;
}

/** Canonical and usable as a neighbor: IPv4 not 0/8, 127/8, multicast, 240/4 or broadcast;
 *  IPv6 not ::, ::1 or multicast. */
export function isNeighborIp(s: string): boolean {
  const v4 = parseIpv4(s);
  if (v4) return v4[0] !== 0 && v4[0] !== 127 && v4[0] < 224;
  const v6 = parseIpv6(s);
  if (!v6 || formatIpv6(v6) !== s) return false;
  return s !== '::' && s !== '::1' && v6[0] !== 0xff;
}

/** Canonical (lowercase, colons), unicast and not all zero. */
export function isNeighborMac(s: string): boolean {
  return MAC_RE.test(s) && (parseInt(s.slice(0, 2), 16) & 1) === 0 && s !== '00:00:00:00:00:00';
}
