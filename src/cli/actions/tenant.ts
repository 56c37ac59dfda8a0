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
import { newConfig } from '../../config/config';
import { configPaths, ensureConfigDir, loadConfig, saveConfig, savePrivateKey } from '../../config/store';
import { loadTenants, tenantDir, updateTenants } from '../../config/tenant-store';
import { defaultTenantTap, freeSlot, MAX_TENANTS, type TenantEntry } from '../../config/tenants';
import { quote } from '../../config/validate';
import { CtlsockError, callCtlsock } from '../../ipc/ctlsock-client';
import { isTenantsReply, type TenantSummary, type TenantsReloadReply } from '../../ipc/tenant-replies';
import { CliContext, CliError, UsageError } from '../io';

export interface TenantAddOptions { config: string; bridge?: string; tap?: string; vlan?: number; vni?: number; json: boolean }
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

export async function tenantAddAction(name: string, o: TenantAddOptions, ctx: CliContext): Promise<number> {
  if (o.vlan !== undefined) throw new UsageError('--vlan is not supported yet (tenant segments are a TAP in a bridge: use --bridge)');
  if (o.vni !== undefined) throw new UsageError('--vni is not supported yet (tenant segments are a TAP in a bridge: use --bridge)');
  if (o.bridge === undefined) throw new UsageError('tenant add needs --bridge BR (the tenant LAN\'s bridge)');
  const tap = o.tap ?? defaultTenantTap(name);
  if (tap === o.bridge) throw new UsageError(`invalid --bridge ${quote(o.bridge)}: must differ from the tap`);
  const root = loadConfig(o.config); // the appliance's own config: listen, endpoint, name
  const dir = tenantDir(o.config, name);
  const existing = loadTenants(o.config);
  const taps = new Map<string, string>([[root.tap, 'the appliance itself']]);
  for (const t of existing) {
    try { taps.set(loadConfig(tenantDir(o.config, t.name)).tap, `tenant ${t.name}`); } catch { /* a broken tenant: its own error at start */ }
  }
  if (taps.has(tap)) throw new CliError(`tap ${quote(tap)} is already used by ${taps.get(tap)}; choose another with --tap`);
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
      saveConfig(dir, newConfig({ name: root.name, listen: root.listen, endpoint: root.endpoint, tap, bridge: o.bridge ?? null,
        ...(root.failover?.enabled ? { site: root.failover.site } : {}) }));
      return [...list, entry];
    });
  } finally {
    crypto.wipe(kp.privateKey);
  }
  const e = entry as unknown as TenantEntry;
  const daemon = await tellDaemon(o.config);
  const pub = Buffer.from(kp.publicKey).toString('base64');
  if (o.json) {
    ctx.out(JSON.stringify({ name, slot: e.slot, tap, bridge: o.bridge, publicKey: pub, dir, daemon }, null, 2));
  } else {
    ctx.info(`tenant "${name}" added (slot ${e.slot}, tap ${tap}, bridge ${o.bridge}) in ${dir}`);
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
  let keptAt: string | null = null;
  if (fs.existsSync(dir)) {
    // Kept, not deleted: the tenant's key and peers can be restored by moving it back.
    keptAt = path.join(path.dirname(dir), `.removed-${name}-${new Date(ctx.now()).toISOString().replace(/[:.]/g, '')}`);
    fs.renameSync(dir, keptAt);
  }
  if (o.json) ctx.out(JSON.stringify({ name, removed: true, keptAt, daemon }, null, 2));
  else {
    ctx.out(`tenant "${name}" removed${keptAt ? ` (its directory is kept as ${keptAt})` : ''}`);
    ctx.info(describeDaemon(daemon));
  }
  return 0;
}

interface TenantRow { name: string; slot: number; tap: string | null; bridge: string | null; peers: number | null; error?: string; live: TenantSummary | null }

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
      return { name: t.name, slot: t.slot, tap: c.tap, bridge: c.bridge, peers: c.peers.length, live: l };
    } catch (err) {
      return { name: t.name, slot: t.slot, tap: null, bridge: null, peers: null, error: (err as Error).message, live: l };
    }
  });
  if (o.json) { ctx.out(JSON.stringify({ running: live !== null, tenants: rows }, null, 2)); return 0; }
  if (rows.length === 0) { ctx.out('no tenants (single-tenant appliance; bridgehead tenant add NAME --bridge BR)'); return 0; }
  const head = ['NAME', 'SLOT', 'TAP', 'BRIDGE', 'PEERS', 'STATE', 'UP', 'RX', 'TX'];
  const table = rows.map((r) => [r.name, String(r.slot), r.tap ?? '-', r.bridge ?? '-', r.peers === null ? '-' : String(r.peers),
    r.error ? `config error: ${r.error}` : r.live ? r.live.state : live ? 'not running' : '-',
    r.live ? `${r.live.peersUp}/${r.live.peers}` : '-', r.live ? String(r.live.rxBytes) : '-', r.live ? String(r.live.txBytes) : '-']);
  const w = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  ctx.out([head, ...table].map((r) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd()).join('\n'));
  if (!live) ctx.info('(daemon not running)');
  return 0;
}
