// Validator of the partial-failover HOST argument (CLI and ctlsock parameters of failover,
// failback, resolve): returns the canonical value or throws a ValueError with the problem
// (valueParser adds the flag and the value). SITE is parseSite in config/site.ts.

import { formatIpv6, isNeighborIp, isNeighborMac, parseIpv4, parseIpv6 } from './addr';
import { ValueError } from './value-error';

/** HOST: an IPv4 or IPv6 address of a host on the stretched segment, or its MAC; canonical form. */
export function parseHost(s: string): string {
  const t = s.trim();
  if (/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(t)) {
    const mac = t.toLowerCase().replace(/-/g, ':');
    if (!isNeighborMac(mac)) throw new ValueError('not a unicast MAC address');
    return mac;
  }
  let ip: string | null = null;
  if (parseIpv4(t)) ip = t;
  else {
    const b = t.includes(':') ? parseIpv6(t) : null;
    if (b) ip = formatIpv6(b);
  }
  if (ip === null) throw new ValueError('expected an IPv4 address, an IPv6 address or a MAC address (aa:bb:cc:dd:ee:ff)');
  if (!isNeighborIp(ip)) throw new ValueError('not a unicast host address');
  return ip;
}
