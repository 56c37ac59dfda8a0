// Text rendering of a StatusSnapshot for `bridgehead status`, in the style of `wg show`.
// Pure: the snapshot in, the text out (ends with a newline). Strings that came from the network
// (peer names, endpoints) are stripped of control characters before they reach a terminal.

import type { PeerStatus, StatusSnapshot } from '../ipc/status-types';
import { formatBytes } from '../util/bytes';
import { formatDurationLong } from '../util/duration';

export { formatBytes };
import { formatFailoverStatus } from './failover-format';
import { formatHaStatus } from './ha-format';
import { formatQosStatus } from './qos-format';
import { formatEvpnStatus } from './evpn-format';

/** "512 B", "1.50 KiB", "3.25 MiB", ... like wg. */

/** "1 minute, 5 seconds ago", "just now", "never". */
export function formatAgo(ms: number | null): string {
  if (ms === null || ms === undefined) return 'never';
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return 'just now';
  return `${formatDurationLong(ms)} ago`;
}

function num(n: unknown): string {
  return typeof n === 'number' && Number.isFinite(n) ? String(n) : '?';
}

function plural(n: unknown, word: string): string {
  return `${num(n)} ${word}${n === 1 ? '' : 's'}`;
}

function clean(s: unknown): string {
  if (s === null || s === undefined) return '-';
  // eslint-disable-next-line no-control-regex
  return String(s).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function isObj(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Structural check of a daemon reply before printing it. */
export function isStatusSnapshot(x: unknown): x is StatusSnapshot {
  return (
    isObj(x) &&
    typeof x.name === 'string' &&
    Array.isArray(x.peers) &&
    x.peers.every(isObj) &&
    isObj(x.totals) &&
    isObj(x.drops) &&
    isObj(x.macTable) &&
    isObj(x.events)
  );
}

function formatPeer(p: PeerStatus): string[] {
  const lines = [`peer: ${clean(p.name)}`];
  lines.push(`  public key: ${clean(p.publicKey)}`);
  lines.push(`  endpoint: ${p.endpoint ? clean(p.endpoint) : '(unknown)'}`);
  lines.push(`  state: ${clean(p.state)}`);
  lines.push(`  latest handshake: ${formatAgo(p.lastHandshakeAgeMs)}`);
  lines.push(
    `  transfer: ${formatBytes(p.rxBytes)} received (${plural(p.rxFrames, 'frame')}), ` +
      `${formatBytes(p.txBytes)} sent (${plural(p.txFrames, 'frame')})`,
  );
  if (p.lastRxAgeMs !== null && p.lastRxAgeMs !== undefined) lines.push(`  last received: ${formatAgo(p.lastRxAgeMs)}`);
  if (typeof p.pathMtu === 'number') lines.push(`  path mtu: ${num(p.pathMtu)} (${clean(String(p.pathMtuSource ?? '?'))})`);
  return lines;
}

/** "gso on (12 sends), gro off": the tunnel socket's UDP segmentation / coalescing. */
export function formatOffload(o: NonNullable<StatusSnapshot['offload']>): string {
  const one = (on: unknown, n: unknown, what: string) => (on === 1 ? `on (${plural(n, what)})` : on === 0 ? 'off' : '?');
  return `gso ${one(o.gso, o.gsoSends, 'send')}, gro ${one(o.gro, o.groBuffers, 'coalesced buffer')}`;
}

/** "tso on (12 super-frames), merged writes 5 (tcp+udp)" or "tso off": TCP segmentation offload
 * from the TAP, and the merged super-frames written to it (UDP runs too on Linux 6.2+). */
export function formatTapOffload(o: NonNullable<StatusSnapshot['offload']>): string {
  const tso = `tso ${o.tso === 1 ? `on (${plural(o.tsoFrames, 'super-frame')})` : o.tso === 0 ? 'off' : '?'}`;
  if (o.tso !== 1 || o.mergedWrites === undefined) return tso;
  return `${tso}, merged writes ${o.mergedWrites} (${o.udpMerge === 1 ? 'tcp+udp' : 'tcp'})`;
}

/** "on, 12 frames (18 KiB) queued, 3 codel drops, 0 overflow drops" or "off". */
export function formatFq(q: NonNullable<StatusSnapshot['fq']>): string {
  if (q.enabled !== true) return 'off';
  return `on, ${plural(q.backlogFrames, 'frame')} (${formatBytes(q.backlogBytes)}) queued, ` +
    `${num(q.codelDrops)} codel drops, ${num(q.overflowDrops)} overflow drops`;
}

export function formatStatus(s: StatusSnapshot): string {
  const out: string[] = [];
  out.push(`interface: ${clean(s.tap)}${s.bridge ? ` (bridge ${clean(s.bridge)})` : ''}`);
  out.push(`  name: ${clean(s.name)}`);
  out.push(`  public key: ${clean(s.publicKey)}`);
  out.push(`  listening: ${clean(s.listen)}`);
  out.push(`  uptime: ${typeof s.uptimeMs === 'number' ? formatDurationLong(s.uptimeMs) : '?'}`);
  const t = s.totals;
  out.push(
    `  transfer: ${formatBytes(t.rxBytes)} received (${plural(t.rxDatagrams, 'datagram')}), ` +
      `${formatBytes(t.txBytes)} sent (${plural(t.txDatagrams, 'datagram')})`,
  );
  out.push(`  tap: ${num(t.tapRxFrames)} frames read, ${num(t.tapTxFrames)} frames written, ${num(t.floods)} flooded`);
  const tp = s.topology;
  if (tp && (tp.layout === 'hub' || tp.relayed || tp.relayFloods)) {
    out.push(`  topology: ${tp.layout}, ${num(tp.relayed)} frames relayed to one site, ${num(tp.relayFloods)} flooded on to the other sites`);
  }
  const m = s.macTable;
  out.push(
    `  mac table: ${num(m.size)}/${num(m.capacity)} entries ` +
      `(learned ${num(m.learned)}, moved ${num(m.moved)}, aged ${num(m.aged)}, full ${num(m.full)})`,
  );
  out.push(`  events dropped: ${num(s.events.dropped)}`);
  if (isObj(s.offload)) out.push(`  udp offload: ${formatOffload(s.offload)}`);
  if (isObj(s.offload) && s.offload.tso !== undefined) out.push(`  tap offload: ${formatTapOffload(s.offload)}`);
  if (isObj(s.dataPath)) {
    const d = s.dataPath;
    out.push(`  data path: ${d.lightFrames} TAP frames sent on the light path, ${d.pipelineFrames} by the pipeline; switches ${d.toPipeline} to the pipeline, ${d.toLight} back`);
  }
  if (typeof s.busyPollUs === 'number') out.push(`  busy poll: ${s.busyPollUs ? `${num(s.busyPollUs)} us after traffic (light path)` : 'off'}`);
  if (isObj(s.cpuAffinity)) {
    const a = s.cpuAffinity;
    const refused = a.errors ? ` (${a.errors} refused: ${a.error ?? 'unknown'})` : '';
    out.push(`  cpu affinity: ${a.setting}; bh-rx ${a.rx === 'off' ? 'not pinned' : `cpu ${a.rx}`}, bh-tx ${a.tx === 'off' ? 'not pinned' : `cpu ${a.tx}`}${refused}`);
  }
  if (isObj(s.tapReader)) {
    const r = s.tapReader;
    const per = r.submits ? ` (${(r.frames / r.submits).toFixed(1)} frames per syscall)` : '';
    out.push(`  tap reader: ${r.reader}${r.why ? ` (${r.why})` : ''}, ${num(r.frames)} frames in ${num(r.submits)} io_uring submits${per}`);
  }
  if (typeof s.maxFrameSize === 'number') out.push(`  max frame size: ${num(s.maxFrameSize)} bytes`);
  if (isObj(s.fq)) out.push(`  fair queue: ${formatFq(s.fq)}`);
  out.push(...formatQosStatus(s.qos));
  if (isObj(s.fragments)) {
    const f = s.fragments;
    out.push(`  tunnel fragments: ${num(f.tx)} sent, ${num(f.rx)} received, ${num(f.reassembled)} frames reassembled`);
  }

  if (s.handshakeGuard) {
    const g = s.handshakeGuard;
    out.push(`  handshakes: ${g.underLoad ? 'UNDER LOAD (cookies required)' : 'normal'}, ` +
      `${num(g.cookieRepliesSent)} cookie replies sent, ${num(g.cookieRepliesReceived)} received, ` +
      `${num(g.sourceTableSize)}/${num(g.sourceTableCapacity)} sources rate-limited (${num(g.sourceTableEvictions)} evicted)`);
  }
  if (s.peers.length === 0) {
    out.push('', 'peers: none (pair with "bridgehead invite" / "bridgehead join")');
  }
  for (const p of s.peers) out.push('', ...formatPeer(p));
  out.push(...formatFailoverStatus(s.failover));
  out.push(...formatEvpnStatus(s.evpn));
  out.push(...formatHaStatus(s.ha));

  const drops = Object.entries(s.drops)
    .filter(([, n]) => typeof n === 'number' && n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  out.push('');
  if (drops.length === 0) out.push('drops: none');
  else {
    out.push('drops:');
    for (const [reason, n] of drops) out.push(`  ${clean(reason)}: ${n}`);
  }
  return `${out.join('\n')}\n`;
}
