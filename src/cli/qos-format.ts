// Text for QoS: the `qos:` block of `bridgehead status` and the output of `bridgehead qos`.
// Defensive about shapes (the daemon may be older or newer than the CLI).

import type { QosStats } from '../dataplane/qos-types';
import type { QosReply } from '../ipc/qos-reply';
import { formatBytes } from '../util/bytes';

const PROTO_NAMES: Record<number, string> = { 0: 'tcp+udp', 6: 'tcp', 17: 'udp', 132: 'sctp' };

function n(x: unknown): string {
  return typeof x === 'number' && Number.isFinite(x) ? String(x) : '?';
}

/** "190 Mbit/s", "1.5 Mbit/s", "2 Gbit/s" or "none". */
export function formatRate(bitsPerS: unknown): string {
  if (typeof bitsPerS !== 'number' || !Number.isFinite(bitsPerS)) return '?';
  if (bitsPerS === 0) return 'none';
  if (bitsPerS >= 1e9 && bitsPerS % 1e8 === 0) return `${bitsPerS / 1e9} Gbit/s`;
  return `${Math.round(bitsPerS / 1e3) / 1e3} Mbit/s`;
}

/** The status block: a header line and one line per band; [] when QoS is off or unknown. */
export function formatQosStatus(q: unknown): string[] {
  if (q === null || typeof q !== 'object') return [];
  const s = q as Partial<QosStats>;
  if (s.enabled !== true) return ['  qos: off'];
  const out = [`  qos: on, shaper ${formatRate(s.wanRateBitsPerS)}, realtime share ${n(s.realtimeSharePct)}%` +
    `, shaper waits ${n(s.shaperDelayed)}`];
  for (const b of Array.isArray(s.bands) ? s.bands : []) {
    const depth = typeof b.depthBytes === 'number' ? formatBytes(b.depthBytes) : '?';
    out.push(`    ${String(b.name).padEnd(15)} ${n(b.depthPackets)} queued (${depth}), ${n(b.enqueued)} enqueued, ` +
      `${n(b.sent)} sent, ${n(b.dropped)} dropped`);
  }
  return out;
}

/** `bridgehead qos`: rules, shaper, outer DSCP and live depths. */
export function formatQosReply(r: QosReply): string {
  const live = r.live;
  if (!live || live.enabled !== true) {
    return 'qos: off (add a "qos" section to bridgehead.json, e.g. with "bridgehead init --wan-rate 200mbit", and restart)\n';
  }
  const out: string[] = [];
  out.push(`qos: on`);
  out.push(`  shaper: ${formatRate(live.wanRateBitsPerS)}${live.wanRateBitsPerS ? '' : ' (bands ordered only when the send path backs up)'}`);
  out.push(`  realtime share: at most ${n(live.realtimeSharePct)}% of the bytes while other bands wait`);
  out.push(`  classification: rules (first match), then 802.1p PCP, then DSCP; ARP/LLDP/STP/ND: network-control`);
  if (live.rules.length === 0) out.push('  rules: none');
  else {
    out.push('  rules:');
    for (const x of live.rules) {
      const ports = x.portFrom === x.portTo ? `${x.portFrom}` : `${x.portFrom}-${x.portTo}`;
      out.push(`    ${(PROTO_NAMES[x.proto] ?? `proto ${x.proto}`).padEnd(8)} port ${ports.padEnd(12)} -> ${x.band}`);
    }
  }
  out.push('  bands (priority order):');
  for (const b of live.bands) {
    out.push(`    ${b.name.padEnd(15)} dscp ${String(b.dscp).padStart(2)}  ${n(b.depthPackets)}/${n(b.limitPackets)} queued ` +
      `(${formatBytes(b.depthBytes)} of ${formatBytes(b.limitBytes)}), ${n(b.enqueued)} enqueued, ${n(b.sent)} sent, ${n(b.dropped)} dropped`);
  }
  return `${out.join('\n')}\n`;
}
