// peers / peer remove / peer set / reload.
//
//   peers:        config peers (the truth on disk) + the running daemon's live view (status), if any
//   peer remove:  locked read-modify-write of bridgehead.json -> reload the running daemon
//   peer set:     same, changing the peer's endpoint (and/or keepalive)
//   reload:       the daemon re-reads its config (src/daemon/reload.ts) -> what applied / what needs
//                 a restart; refused (invalid file) -> exit 1 with the reason, nothing changed

import { configPaths, loadConfig, updateConfig } from '../../config/store';
import type { PeerConfig } from '../../config/types';
import { CtlsockError, callCtlsock } from '../../ipc/ctlsock-client';
import type { PeerStatus } from '../../ipc/status-types';
import { isStatusSnapshot } from '../status-format';
import { CliContext, CliError } from '../io';
import { describeReload, reloadDaemon, type DaemonReload } from './daemon-reload';

export interface PeersOptions { config: string; json: boolean }
export interface PeerRemoveOptions { config: string; json: boolean }
export interface PeerSetOptions { config: string; json: boolean; endpoint?: string | null; keepalive?: number }
export interface ReloadOptions { config: string; json: boolean }

export interface PeerView {
  name: string;
  publicKey: string;
  configuredEndpoint: string | null;
  persistentKeepaliveS: number;
  addedAt: string;
  /** null when the daemon is not running */
  live: Pick<PeerStatus, 'state' | 'endpoint' | 'lastHandshakeAgeMs' | 'rxBytes' | 'txBytes'> | null;
}

async function liveStatus(configDir: string): Promise<PeerStatus[] | null> {
  try {
    const snap = await callCtlsock(configPaths(configDir).socket, 'status', {}, 5000);
    return isStatusSnapshot(snap) ? snap.peers : null;
  } catch (e) {
    if (e instanceof CtlsockError && e.kind === 'not-running') return null;
    throw e;
  }
}

function age(ms: number | null): string {
  if (ms === null) return 'never';
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

export function formatPeers(peers: PeerView[], running: boolean): string {
  if (peers.length === 0) return `no peers${running ? '' : ' (daemon not running)'}\n`;
  const rows = peers.map((p) => [p.name, p.live?.state ?? (running ? 'unknown' : '-'),
    p.live?.endpoint ?? p.configuredEndpoint ?? '-', p.configuredEndpoint ?? '(learned)',
    p.live ? age(p.live.lastHandshakeAgeMs) : '-', p.live ? String(p.live.rxBytes) : '-', p.live ? String(p.live.txBytes) : '-',
    p.publicKey]);
  const head = ['NAME', 'STATE', 'ENDPOINT', 'CONFIGURED', 'HANDSHAKE', 'RX', 'TX', 'PUBLIC KEY'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ');
  return `${[head, ...rows].map(fmt).join('\n')}\n${running ? '' : '(daemon not running)\n'}`;
}

export async function peersAction(o: PeersOptions, ctx: CliContext): Promise<number> {
  const config = loadConfig(o.config);
  const live = await liveStatus(o.config);
  const peers: PeerView[] = config.peers.map((p) => {
    const l = live?.find((s) => s.publicKey === p.publicKey);
    return { name: p.name, publicKey: p.publicKey, configuredEndpoint: p.endpoint, persistentKeepaliveS: p.persistentKeepaliveS,
      addedAt: p.addedAt, live: l ? { state: l.state, endpoint: l.endpoint, lastHandshakeAgeMs: l.lastHandshakeAgeMs,
        rxBytes: l.rxBytes, txBytes: l.txBytes } : null };
  });
  if (o.json) ctx.out(JSON.stringify({ daemonRunning: live !== null, peers }, null, 2));
  else ctx.io.stdout.write(formatPeers(peers, live !== null));
  return 0;
}

function findPeer(peers: readonly PeerConfig[], name: string, file: string): number {
  const i = peers.findIndex((p) => p.name === name);
  if (i < 0) {
    const known = peers.map((p) => p.name).join(', ');
    throw new CliError(`no peer named "${name}" in ${file}${known ? ` (peers: ${known})` : ' (no peers)'}`);
  }
  return i;
}

/** Print the edit + the reload outcome; exit 1 when the running daemon refused the reload. */
function report(o: { json: boolean }, ctx: CliContext, what: string, result: object, d: DaemonReload): number {
  if (o.json) ctx.out(JSON.stringify({ ...result, daemon: d.running ? d.reply : null }, null, 2));
  else {
    ctx.out(what);
    for (const l of describeReload(d)) ctx.out(l);
  }
  return d.running && !d.reply.ok ? 1 : 0;
}

export async function peerRemoveAction(name: string, o: PeerRemoveOptions, ctx: CliContext): Promise<number> {
  const file = configPaths(o.config).config;
  let removed: PeerConfig | undefined;
  updateConfig(o.config, (c) => {
    const i = findPeer(c.peers, name, file);
    removed = c.peers[i];
    return { ...c, peers: c.peers.filter((_, j) => j !== i) };
  });
  const d = await reloadDaemon(o.config);
  return report(o, ctx, `removed peer "${name}" from ${file}`, { removed: { name, publicKey: removed?.publicKey } }, d);
}

export async function peerSetAction(name: string, o: PeerSetOptions, ctx: CliContext): Promise<number> {
  const file = configPaths(o.config).config;
  let before: PeerConfig | undefined;
  let after: PeerConfig | undefined;
  updateConfig(o.config, (c) => {
    const i = findPeer(c.peers, name, file);
    before = c.peers[i];
    after = { ...before,
      ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
      ...(o.keepalive !== undefined ? { persistentKeepaliveS: o.keepalive } : {}) };
    return { ...c, peers: c.peers.map((p, j) => (j === i ? (after as PeerConfig) : p)) };
  });
  const a = after as PeerConfig;
  const b = before as PeerConfig;
  const changes: string[] = [];
  if (a.endpoint !== b.endpoint) changes.push(`endpoint ${b.endpoint ?? '(none)'} -> ${a.endpoint ?? '(none: learned from the peer)'}`);
  if (a.persistentKeepaliveS !== b.persistentKeepaliveS) changes.push(`keepalive ${b.persistentKeepaliveS}s -> ${a.persistentKeepaliveS}s`);
  const d = await reloadDaemon(o.config);
  const what = changes.length ? `peer "${name}": ${changes.join(', ')}` : `peer "${name}": nothing changed`;
  return report(o, ctx, what, { peer: { name, endpoint: a.endpoint, persistentKeepaliveS: a.persistentKeepaliveS }, changes }, d);
}

export async function reloadAction(o: ReloadOptions, ctx: CliContext): Promise<number> {
  const d = await reloadDaemon(o.config);
  if (!d.running) throw new CliError(`daemon not running (no control socket at ${configPaths(o.config).socket})`);
  if (o.json) ctx.out(JSON.stringify(d.reply, null, 2));
  else if (d.reply.ok) for (const l of describeReload(d)) ctx.out(l);
  else throw new CliError(describeReload(d)[0]);
  return d.reply.ok ? 0 : 1;
}
