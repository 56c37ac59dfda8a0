// Parsing of "host:port" endpoints and listen addresses.
//
//   parseHostPort("198.18.0.1:51820")      IPv4 literal
//   parseHostPort("[2001:db8::1]:51820")   IPv6 literal, brackets required (zone ids allowed)
//   parseHostPort("vpn.example.com:51820") DNS name (RFC 1123 labels)
//   parseListen("0.0.0.0:51820")           IP literals only (we bind it, nothing resolves it)
//
// Ports are 1..65535. Errors are ValueErrors with the problem only; callers add the context.

import { isIPv4, isIPv6 } from 'node:net';
import { ValueError } from './value-error';

export type HostKind = 'ipv4' | 'ipv6' | 'hostname';

export interface HostPort {
  host: string; // without brackets
  port: number;
  kind: HostKind;
}

export interface ListenAddress {
  address: string;
  port: number;
}

const MAX_HOSTNAME = 253;

/** Parse a decimal port, 1..65535. */
export function parsePort(s: string): number {
  if (!/^[0-9]{1,5}$/.test(s)) {
    throw new ValueError(s === '' ? 'missing port' : 'port must be a number 1..65535');
  }
  const port = Number(s);
  if (port < 1 || port > 65535) throw new ValueError('port must be 1..65535');
  return port;
}

/** Validate a DNS host name (RFC 1123); returns it lower-cased. */
export function parseHostname(s: string): string {
  if (s.length === 0) throw new ValueError('missing host');
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  if (name.length === 0 || name.length > MAX_HOSTNAME) throw new ValueError('host name must be 1..253 characters');
  for (const label of name.split('.')) {
    if (label.length === 0) throw new ValueError('host name has an empty label');
    if (label.length > 63) throw new ValueError('host name label longer than 63 characters');
    if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(label)) {
      throw new ValueError('host must be an IPv4 address, [IPv6] address or DNS name');
    }
  }
  if (/^[0-9.]+$/.test(name)) throw new ValueError('not a valid IPv4 address');
  return name.toLowerCase();
}

function splitHostPort(s: string): { host: string; port: string; bracketed: boolean } {
  if (typeof s !== 'string' || s.length === 0) throw new ValueError('expected HOST:PORT');
  if (/\s/.test(s)) throw new ValueError('must not contain whitespace');
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new ValueError('missing "]" after IPv6 address');
    const rest = s.slice(close + 1);
    if (!rest.startsWith(':')) throw new ValueError('expected ":PORT" after "]"');
    return { host: s.slice(1, close), port: rest.slice(1), bracketed: true };
  }
  const colon = s.lastIndexOf(':');
  if (colon < 0) throw new ValueError('missing ":PORT"');
  const host = s.slice(0, colon);
  if (host.includes(':')) throw new ValueError('IPv6 addresses must be written in brackets, e.g. [2001:db8::1]:51820');
  return { host, port: s.slice(colon + 1), bracketed: false };
}

/** Parse an endpoint others (or we) can reach: IPv4, [IPv6] or a host name, with a port. */
export function parseHostPort(s: string): HostPort {
  const { host, port: portText, bracketed } = splitHostPort(s);
  if (host.length === 0) throw new ValueError('missing host');
  let kind: HostKind;
  let h = host;
  if (bracketed) {
    if (!isIPv6(host)) throw new ValueError('not a valid IPv6 address');
    kind = 'ipv6';
  } else if (isIPv4(host)) {
    kind = 'ipv4';
  } else {
    h = parseHostname(host);
    kind = 'hostname';
  }
  return { host: h, port: parsePort(portText), kind };
}

/** Parse a listen address: an IP literal (IPv4 or [IPv6]) and a port. */
export function parseListen(s: string): ListenAddress {
  const { host, port: portText, bracketed } = splitHostPort(s);
  if (host.length === 0) throw new ValueError('missing address (use 0.0.0.0 or [::] for all addresses)');
  if (bracketed ? !isIPv6(host) : !isIPv4(host)) {
    throw new ValueError(bracketed ? 'not a valid IPv6 address' : 'address must be an IP literal (IPv4 or [IPv6])');
  }
  return { address: host, port: parsePort(portText) };
}

/** "host:port", with brackets for IPv6. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True for the unspecified addresses 0.0.0.0 and :: (which peers cannot use to reach us). */
export function isWildcardAddress(address: string): boolean {
  if (isIPv4(address)) return address === '0.0.0.0';
  if (isIPv6(address)) return /^[0:]+$/.test(address) || address === '::';
  return false;
}
