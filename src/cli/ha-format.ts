// Text of the `ha:` block of `status` and of `bridgehead ha status`. Pure: data in, text out;
// strings from the other member are stripped of control characters.

import type { HaStatus } from '../ipc/ha-status';
import { formatAge } from './failover-format';

// eslint-disable-next-line no-control-regex
const clean = (s: unknown): string => (s === null || s === undefined ? '-' : String(s).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'));

export function formatHaStatus(h: HaStatus | undefined | { enabled: false }): string[] {
  if (!h || !h.enabled) return [];
  const out = ['', `ha: member ${clean(h.member)}, ${h.active ? 'ACTIVE' : 'standby'} (keepalived: ${clean(h.role)}, priority ${clean(h.priority)})`];
  if (h.waitingForOther) out.push('  waiting for the other member to leave the bridge');
  if (h.steppedDown) out.push(`  STEPPED DOWN (${clean(h.steppedDown.reason)}), health fails for ${formatAge(h.steppedDown.remainingMs)} more`);
  const o = h.peerMember;
  out.push(o ? `  peer member: ${clean(o.member)} at ${clean(o.address)}, ${o.alive ? (o.active ? 'active' : 'standby') : 'SILENT'} ` +
    `(keepalived: ${clean(o.role)}), last heard ${formatAge(o.lastHeardAgeMs)} ago` : '  peer member: never heard');
  const t = h.lastTakeover;
  out.push(t ? `  last takeover: ${formatAge(t.ageMs)} ago (${clean(t.reason)}), ${clean(t.restoredHosts)} hosts restored` : '  last takeover: never');
  const tb = h.table;
  out.push(`  table: version ${clean(tb.version)}, ${clean(tb.hosts)} hosts${tb.ageMs === null ? '' : `, received ${formatAge(tb.ageMs)} ago`}`);
  return out;
}
