// The `metrics` section of bridgehead.json: the Prometheus endpoint `up` serves (docs/INTERNALS.md
// section 8). Pure validation; config.ts calls it.
//
//   absent                                   off (no listening TCP socket unless asked for)
//   "metrics": { "enabled": true }           http://127.0.0.1:19480/metrics
//   "metrics": { "listen": "198.18.0.1:19480" }   on, that address (enabled defaults to true)
//   "metrics": { "enabled": false, ... }     off, the address kept for later

import { ValueError, formatHostPort, parseListen } from './validate';
import { knownFields, type Fail } from './fields';

/** Outside the exhausted 9100-9999 exporter range of the Prometheus wiki's default port
 * allocations, not an IANA-registered port, below Linux's ephemeral range (32768+). */
export const METRICS_DEFAULT_PORT = 19480;
export const METRICS_DEFAULT_LISTEN = `127.0.0.1:${METRICS_DEFAULT_PORT}`;

export interface MetricsConfig {
  enabled: boolean;
  /** "addr:port" (IPv6 in brackets), canonical */
  listen: string;
}

export function parseMetricsConfig(raw: unknown, fail: Fail): MetricsConfig {
  const o = knownFields(raw, 'metrics', ['enabled', 'listen'], fail);
  const enabled = o.enabled ?? true;
  if (typeof enabled !== 'boolean') fail('metrics.enabled', 'expected true or false', enabled);
  const l = o.listen ?? METRICS_DEFAULT_LISTEN;
  if (typeof l !== 'string') fail('metrics.listen', 'expected "ADDRESS:PORT"', l);
  let listen = '';
  try {
    const a = parseListen(l as string);
    listen = formatHostPort(a.address, a.port);
  } catch (e) {
    if (e instanceof ValueError) fail('metrics.listen', e.message, l);
    throw e;
  }
  return { enabled: enabled as boolean, listen };
}

export function formatMetricsConfig(m: MetricsConfig): MetricsConfig {
  return { enabled: m.enabled, listen: m.listen };
}

/** The address to serve on, or null when metrics are off. */
export function metricsListen(m: MetricsConfig | undefined): { address: string; port: number } | null {
  if (!m || !m.enabled) return null;
  return parseListen(m.listen);
}
