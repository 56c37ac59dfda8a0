// A multi-tenant provider appliance (docs/INTERNALS.md section 9): one process, one instance
// (instance.ts: data plane, handshakes, failover, QoS) per tenant, all on ONE UDP port.
//
//   the appliance's own config (the implicit tenant) = the FRONT: created first, position 0 of the
//     SO_REUSEPORT group; every named tenant (tenants.json) joins the group after it
//   kernel steering (dp.setSteering): data/cookie replies/responses by receiver-index slot -> the
//     tenant's socket; initiations, unknown slots -> the front
//   front's initiations -> TenantDispatch (mac1 per tenant) -> that tenant's handshake driver
//   control sockets: DIR/bridgehead.sock (front + `tenants`, `tenants-reload`) and
//     DIR/tenants/NAME/bridgehead.sock per tenant (the same methods as a single appliance)
//   SIGHUP: every instance reloads its config, then the tenant set follows tenants.json
//   /metrics (the appliance's metrics section): every tenant's families labelled tenant=NAME
//     (tenant-metrics.ts)
//
// The group's socket order is mirrored here: a new socket joins at the end; when one leaves the
// kernel moves the last one into its position (reuseport_detach_sock), and so does `group`.

import { loadConfig } from '../config/store';
import { loadTenants, tenantDir } from '../config/tenant-store';
import type { TenantEntry } from '../config/tenants';
import { TenantDispatch } from '../control/tenant-dispatch';
import type { Endpoint } from '../dataplane/types';
import type { TenantSummary, TenantsReloadReply } from '../ipc/tenant-replies';
import { startCtlsockServer, type CtlsockServer } from './ctlsock-server';
import { startInstance, type Instance } from './instance';
import { teardownSegment } from './segment';
import { packageVersion } from './metrics';
import { serveTenantMetrics } from './tenant-metrics';
import { metricsListen } from '../config/metrics-config';

export interface ProviderOptions { configDir: string; logLevel?: string }

interface Member { name: string; slot: number; dir: string; inst: Instance; server: CtlsockServer | null }

export async function runProvider(opts: ProviderOptions, setHupHandler: (h: () => void) => void): Promise<number> {
  const root = loadConfig(opts.configDir);
  const dispatch = new TenantDispatch();
  const group: Member[] = []; // = the kernel's socket array of the reuseport group
  const failed = new Map<string, { slot: number; error: string }>();
  let front: Instance | null = null;

  const routeInitiation = (from: Endpoint, data: Buffer, nowMs: number): void => {
    const f = front as Instance;
    const hit = dispatch.pick(new Uint8Array(data), from.address,
      group.map((m) => ({ name: m.name, publicKey: m.inst.publicKey })), nowMs);
    if (hit === 'overload') { f.drops.add('handshake_dispatch_overload'); return; }
    if (!hit) {
      // not an exact initiation: the front's driver counts why; else no tenant's key: bad mac1
      if (data.length !== 164) f.onHandshake(from, data, nowMs);
      else f.drops.add('handshake_bad_mac1');
      return;
    }
    dispatch.remember(from.address, hit.name);
    group.find((m) => m.name === hit.name)?.inst.onHandshake(from, data, nowMs);
  };

  const steer = (): void => {
    (front as Instance).dp.setSteering(0, group.slice(1).map((m, i) => [m.slot, i + 1] as [number, number]));
  };

  front = await startInstance({ configDir: opts.configDir, logLevel: opts.logLevel,
    tenant: { name: '(appliance)', slot: 0, port: root.listen.port, routeInitiation } });
  if (!front) return 1;
  const frontInst = front;
  group.push({ name: '(appliance)', slot: 0, dir: opts.configDir, inst: frontInst, server: null });
  steer(); // from the first moment: anything not steered to a tenant goes to the front
  const log = frontInst.log;

  const startTenant = async (t: TenantEntry): Promise<string | null> => {
    const dir = tenantDir(opts.configDir, t.name);
    let error = 'start-up failed (see the log)';
    const inst = await startInstance({ configDir: dir, logLevel: opts.logLevel, onError: (l) => { error = l; },
      tenant: { name: t.name, slot: t.slot, port: frontInst.dp.port } }).catch((e: Error) => { error = e.message; return null; });
    if (!inst) { failed.set(t.name, { slot: t.slot, error }); return error; }
    failed.delete(t.name);
    const m: Member = { name: t.name, slot: t.slot, dir, inst, server: null };
    group.push(m); // joined the group at the end when its data plane was created
    steer();
    try {
      m.server = await startCtlsockServer(`${dir}/bridgehead.sock`, inst.handlers);
    } catch (e) {
      log.warn({ tenant: t.name, err: (e as Error).message }, 'tenant control socket not available');
    }
    return null;
  };

  const stopTenant = async (m: Member): Promise<void> => {
    await m.server?.close();
    const pos = group.indexOf(m);
    m.inst.stop(); // its socket leaves the group: the kernel moves the last one into `pos`
    const last = group.pop() as Member;
    if (last !== m) group[pos] = last;
    dispatch.forget(m.name);
    steer();
  };

  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const r = chain.then(fn, fn);
    chain = r.catch(() => undefined);
    return r;
  };
  /** Start and stop tenants to match tenants.json (a tenant whose slot changed restarts). */
  const syncTenants = (): Promise<TenantsReloadReply> => serial(async () => {
    const want = loadTenants(opts.configDir);
    const reply: TenantsReloadReply = { started: [], stopped: [], failed: [] };
    const removed: string[] = [];
    for (const m of group.slice(1)) {
      if (!want.some((t) => t.name === m.name && t.slot === m.slot)) { await stopTenant(m); reply.stopped.push(m.name); }
      if (!want.some((t) => t.name === m.name)) removed.push(m.name);
    }
    for (const name of [...failed.keys()]) if (!want.some((t) => t.name === name)) { failed.delete(name); removed.push(name); }
    // a removed tenant's segment: delete what this appliance created for it (its record says what)
    for (const name of removed) {
      try {
        const deleted = await teardownSegment(tenantDir(opts.configDir, name));
        if (deleted.length) { log.info({ tenant: name, deleted }, 'segment deleted'); (reply.segmentsDeleted ??= []).push({ name, deleted }); }
      } catch (e) {
        reply.failed.push({ name, error: `segment not deleted: ${(e as Error).message}` });
      }
    }
    for (const t of want) {
      if (group.some((m) => m.name === t.name)) continue;
      const err = await startTenant(t);
      if (err) reply.failed.push({ name: t.name, error: err }); else reply.started.push(t.name);
    }
    log.info(reply, 'tenants synchronised with tenants.json');
    return reply;
  });

  const summaries = (): TenantSummary[] => {
    const out: TenantSummary[] = group.slice(1).map((m) => {
      const s = m.inst.status();
      const drops = Object.values(s.drops).reduce((a, b) => a + b, 0);
      return { name: m.name, slot: m.slot, state: 'running', tap: m.inst.config.tap, peers: s.peers.length,
        peersUp: s.peers.filter((p) => p.state === 'up').length,
        rxBytes: s.peers.reduce((a, p) => a + p.rxBytes, 0), txBytes: s.peers.reduce((a, p) => a + p.txBytes, 0), drops };
    });
    for (const [name, f] of failed) {
      out.push({ name, slot: f.slot, state: 'failed', error: f.error, tap: '', peers: 0, peersUp: 0, rxBytes: 0, txBytes: 0, drops: 0 });
    }
    return out.sort((a, b) => a.slot - b.slot);
  };

  const initial = await syncTenants();
  for (const f of initial.failed) log.error({ tenant: f.name, err: f.error }, 'tenant did not start');

  let server: CtlsockServer | null = null;
  let metrics: { close(): Promise<void> } | null = null;
  const closeAll = async (): Promise<void> => {
    await Promise.all([server?.close(), metrics?.close()]);
    for (const m of group.slice(1).reverse()) await stopTenant(m);
    frontInst.stop();
  };
  try {
    server = await startCtlsockServer(`${opts.configDir}/bridgehead.sock`, {
      ...frontInst.handlers,
      tenants: () => ({ tenants: summaries(), dispatch: { macsComputed: dispatch.macsComputed, sourceHints: dispatch.hintCount, overloaded: dispatch.overloaded } }),
      'tenants-reload': () => syncTenants(),
    });
    const metricsAt = metricsListen(root.metrics);
    if (metricsAt) {
      metrics = await serveTenantMetrics({ listen: metricsAt, now: () => Date.now(), log,
        build: { version: packageVersion(), nodeVersion: process.version },
        tenants: () => group.map((m) => ({ tenant: m.inst === frontInst ? '' : m.name, status: m.inst.status })) });
    }
  } catch (e) {
    await closeAll();
    process.stderr.write(`bridgehead: ${(e as Error).message}\n`);
    return 1;
  }
  setHupHandler(() => {
    void (async () => {
      for (const m of group) await m.inst.reload('SIGHUP');
      await syncTenants();
    })().catch((e: Error) => log.error({ err: e.message }, 'reload failed'));
  });
  log.info({ tenants: group.length - 1, failed: failed.size, port: frontInst.dp.port }, 'provider appliance up');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      void serial(closeAll).finally(() => {
        log.info('stopped');
        resolve(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
