// tenant add / list / remove: the named tenants of a multi-tenant provider appliance
// (docs/INTERNALS.md section 9).
//
//   add:    name + tap free -> next free slot in tenants.json (locked) -> tenants/NAME/ with a new
//           key pair and a config copied from the appliance's (listen, endpoint, name, failover site)
//           -> a running daemon starts the tenant (control method tenants-reload)
//   list:   tenants.json + each tenant's config, with the running daemon's live summary
//   remove: out of tenants.json -> the daemon stops it -> tenants/NAME/ moved aside (kept, not deleted)

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from '../../control/crypto';
import { formatConfig, newConfig, parseConfig, type Config } from '../../config/config';
import { describeSegment, segmentConflict, vlanDeviceName, vxlanDeviceName, VXLAN_PORT_DEFAULT, type SegmentConfig } from '../../config/segment-config';
import { teardownSegment } from '../../daemon/segment';
import { configPaths, ensureConfigDir, loadConfig, saveConfig, savePrivateKey } from '../../config/store';
import { loadTenants, tenantDir, updateTenants } from '../../config/tenant-store';
import { defaultTenantTap, freeSlot, MAX_TENANTS, type TenantEntry } from '../../config/tenants';
import { quote } from '../../config/validate';
import { CtlsockError, callCtlsock } from '../../ipc/ctlsock-client';
import { isTenantsReply, type TenantSummary, type TenantsReloadReply } from '../../ipc/tenant-replies';
import { CliContext, CliError, UsageError } from '../io';

export interface TenantAddOptions { config: string; bridge?: string; tap?: string; vlan?: number; trunk?: string; vni?: number; local?: string; json: boolean }
export interface TenantListOptions { config: string; json: boolean }
export interface TenantRemoveOptions { config: string; json: boolean }

async function tellDaemon(configDir: string): Promise<TenantsReloadReply | null> {
  try {
    return (await callCtlsock(configPaths(configDir).socket, 'tenants-reload', {}, 30000)) as TenantsReloadReply;
  } catch (e) {
    if (e instanceof CtlsockError && e.kind === 'not-running') return null;
    if (e instanceof CtlsockError && e.kind === 'remote') throw new CliError(`the daemon refused: ${e.message}`);
    throw e;
  }
}

function describeDaemon(r: TenantsReloadReply | null): string {
  if (!r) return 'daemon not running: the change takes effect when it starts';
  const parts = [r.started.length ? `started ${r.started.join(', ')}` : '', r.stopped.length ? `stopped ${r.stopped.join(', ')}` : '',
    r.failed.length ? `FAILED ${r.failed.map((f) => `${f.name}: ${f.error}`).join('; ')}` : ''].filter(Boolean);
  return `daemon: ${parts.length ? parts.join('; ') : 'no change'}`;
}

interface Other { owner: string; seg?: SegmentConfig; bridge: string | null; tap: string; vxlanLocal?: string }

/** The segment options: a bridge (the operator's), a VLAN on a trunk or a VNI (the appliance's). */
function segmentFor(name: string, o: TenantAddOptions, others: readonly Other[]): { bridge: string; seg?: SegmentConfig } {
  if (o.vlan !== undefined && o.vni !== undefined) throw new UsageError('--vlan and --vni exclude each other (one segment per tenant)');
  if (o.trunk !== undefined && o.vlan === undefined) throw new UsageError('--trunk goes with --vlan ID');
  if (o.local !== undefined && o.vni === undefined) throw new UsageError('--local goes with --vni ID');
  if (o.vlan !== undefined) {
    if (o.trunk === undefined) throw new UsageError('--vlan needs --trunk IF (the interface that carries the tagged VLANs)');
    return { bridge: o.bridge ?? `bb-${name}`, seg: { type: 'vlan', trunk: o.trunk, vlan: o.vlan, device: vlanDeviceName(o.trunk, o.vlan, `bv-${name}`) } };
  }
  if (o.vni !== undefined) {
    const local = o.local ?? others.find((x) => x.vxlanLocal)?.vxlanLocal;
    if (local === undefined) throw new UsageError('--vni needs --local IP (this VTEP\'s address on the fabric; later VNI tenants reuse it)');
    const prev = others.find((x) => x.seg?.type === 'vxlan')?.seg;
    const dstport = prev?.type === 'vxlan' ? prev.dstport : VXLAN_PORT_DEFAULT;
    return { bridge: o.bridge ?? `br${o.vni}`, seg: { type: 'vxlan', vni: o.vni, local, dstport, device: vxlanDeviceName(o.vni) } };
  }
  if (o.bridge === undefined) throw new UsageError('tenant add needs --bridge BR (the tenant LAN\'s bridge), --vlan ID --trunk IF or --vni ID');
  return { bridge: o.bridge };
}

function tenantConfig(name: string, root: Config, tap: string, bridge: string, seg: SegmentConfig | undefined): Config {
  const base = newConfig({ name: root.name, listen: root.listen, endpoint: root.endpoint, tap, bridge,
    // EVPN hosts are shared through partial failover's neighbor sync: a VNI tenant needs it on
    ...(root.failover?.enabled ? { site: root.failover.site } : seg?.type === 'vxlan' ? { site: 'provider' as const } : {}) });
  if (!seg) return base;
  const raw = JSON.parse(formatConfig(base)) as Record<string, unknown>;
  raw.segment = seg;
  if (seg.type === 'vxlan') raw.evpn = { vni: seg.vni, bridge, vxlanDevice: seg.device };
  return parseConfig(raw, `tenant ${name}`);
}

export async function tenantAddAction(name: string, o: TenantAddOptions, ctx: CliContext): Promise<number> {
  const tap = o.tap ?? defaultTenantTap(name);
  const root = loadConfig(o.config); // the appliance's own config: listen, endpoint, name
  const dir = tenantDir(o.config, name);
  const existing = loadTenants(o.config);
  const others: Other[] = [{ owner: 'the appliance itself', seg: root.segment, bridge: root.bridge, tap: root.tap,
    ...(root.segment?.type === 'vxlan' ? { vxlanLocal: root.segment.local } : {}) }];
  for (const t of existing) {
    try {
      const c = loadConfig(tenantDir(o.config, t.name));
      others.push({ owner: `tenant ${t.name}`, seg: c.segment, bridge: c.bridge, tap: c.tap, ...(c.segment?.type === 'vxlan' ? { vxlanLocal: c.segment.local } : {}) });
    } catch { /* a broken tenant: its own error at start */ }
  }
  const { bridge, seg } = segmentFor(name, o, others);
  if (tap === bridge) throw new UsageError(`invalid --bridge ${quote(bridge)}: must differ from the tap`);
  const taken = others.find((x) => x.tap === tap);
  if (taken) throw new CliError(`tap ${quote(tap)} is already used by ${taken.owner}; choose another with --tap`);
  if (seg) {
    const clash = segmentConflict({ seg, bridge, tap }, others);
    if (clash) throw new CliError(clash);
  }
  const cfg = tenantConfig(name, root, tap, bridge, seg);
  if (fs.existsSync(dir)) throw new CliError(`${dir} already exists; remove it or choose another tenant name`);
  let entry: TenantEntry | null = null;
  await crypto.ready();
  const kp = crypto.generateKeyPair();
  try {
    updateTenants(o.config, (list) => {
      if (list.some((t) => t.name === name)) throw new CliError(`tenant "${name}" already exists`);
      const slot = freeSlot(list);
      if (slot === null) throw new CliError(`this appliance already has ${MAX_TENANTS} tenants (the most it can steer)`);
      entry = { name, slot };
      ensureConfigDir(dir);
      savePrivateKey(dir, kp.privateKey);
      saveConfig(dir, cfg);
      return [...list, entry];
    });
  } finally {
    crypto.wipe(kp.privateKey);
  }
  const e = entry as unknown as TenantEntry;
  const daemon = await tellDaemon(o.config);
  const pub = Buffer.from(kp.publicKey).toString('base64');
  if (o.json) {
    ctx.out(JSON.stringify({ name, slot: e.slot, tap, bridge, ...(seg ? { segment: seg } : {}), publicKey: pub, dir, daemon }, null, 2));
  } else {
    ctx.info(`tenant "${name}" added (slot ${e.slot}, tap ${tap}, bridge ${bridge}${seg ? `, ${describeSegment(seg)}` : ''}) in ${dir}`);
    ctx.info(describeDaemon(daemon));
    ctx.info(`next: bridgehead invite --tenant ${name} -c ${o.config}`);
    ctx.out(pub);
  }
  return daemon && daemon.failed.length ? 1 : 0;
}

export async function tenantRemoveAction(name: string, o: TenantRemoveOptions, ctx: CliContext): Promise<number> {
  updateTenants(o.config, (list) => {
    if (!list.some((t) => t.name === name)) throw new CliError(`no tenant "${name}" (see bridgehead tenant list)`);
    return list.filter((t) => t.name !== name);
  });
  const daemon = await tellDaemon(o.config);
  const dir = tenantDir(o.config, name);
  // the daemon deleted the tenant's segment (what it had created); not running: do it here
  let segmentError: string | null = null;
  let deleted: string[] = daemon?.segmentsDeleted?.find((x) => x.name === name)?.deleted ?? [];
  if (!daemon && fs.existsSync(dir)) {
    try { deleted = await teardownSegment(dir); } catch (e) { segmentError = (e as Error).message; }
  }
  const daemonError = daemon?.failed.find((f) => f.name === name)?.error ?? null;
  let keptAt: string | null = null;
  if (fs.existsSync(dir)) {
    // Kept, not deleted: the tenant's key and peers can be restored by moving it back.
    keptAt = path.join(path.dirname(dir), `.removed-${name}-${new Date(ctx.now()).toISOString().replace(/[:.]/g, '')}`);
    fs.renameSync(dir, keptAt);
  }
  const problem = segmentError ?? daemonError;
  if (o.json) ctx.out(JSON.stringify({ name, removed: true, keptAt, segmentDeleted: deleted, ...(problem ? { error: problem } : {}), daemon }, null, 2));
  else {
    ctx.out(`tenant "${name}" removed${keptAt ? ` (its directory is kept as ${keptAt})` : ''}`);
    if (deleted.length) ctx.info(`segment deleted: ${deleted.join(', ')}`);
    if (problem) ctx.info(`bridgehead: tenant ${name}: ${problem} (the record is in ${keptAt ?? dir}/segment-owned.json)`);
    ctx.info(describeDaemon(daemon));
  }
  return problem ? 1 : 0;
}

interface TenantRow { name: string; slot: number; tap: string | null; bridge: string | null; segment: string; peers: number | null; error?: string; live: TenantSummary | null }

export async function tenantListAction(o: TenantListOptions, ctx: CliContext): Promise<number> {
  const list = loadTenants(o.config);
  let live: TenantSummary[] | null = null;
  try {
    const r = await callCtlsock(configPaths(o.config).socket, 'tenants', {}, 5000);
    if (isTenantsReply(r)) live = r.tenants;
  } catch (e) {
    if (!(e instanceof CtlsockError && e.kind === 'not-running')) throw e;
  }
  const rows: TenantRow[] = list.map((t) => {
    const l = live?.find((x) => x.name === t.name) ?? null;
    try {
      const c = loadConfig(tenantDir(o.config, t.name));
      return { name: t.name, slot: t.slot, tap: c.tap, bridge: c.bridge, segment: describeSegment(c.segment), peers: c.peers.length, live: l };
    } catch (err) {
      return { name: t.name, slot: t.slot, tap: null, bridge: null, segment: '-', peers: null, error: (err as Error).message, live: l };
    }
  });
  if (o.json) { ctx.out(JSON.stringify({ running: live !== null, tenants: rows }, null, 2)); return 0; }
  if (rows.length === 0) { ctx.out('no tenants (single-tenant appliance; bridgehead tenant add NAME --bridge BR)'); return 0; }
  const head = ['NAME', 'SLOT', 'TAP', 'BRIDGE', 'SEGMENT', 'PEERS', 'STATE', 'UP', 'RX', 'TX'];
  const table = rows.map((r) => [r.name, String(r.slot), r.tap ?? '-', r.bridge ?? '-', r.segment, r.peers === null ? '-' : String(r.peers),
    r.error ? `config error: ${r.error}` : r.live ? r.live.state : live ? 'not running' : '-',
    r.live ? `${r.live.peersUp}/${r.live.peers}` : '-', r.live ? String(r.live.rxBytes) : '-', r.live ? String(r.live.txBytes) : '-']);
  const w = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  ctx.out([head, ...table].map((r) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd()).join('\n'));
  if (!live) ctx.info('(daemon not running)');
  return 0;
}
