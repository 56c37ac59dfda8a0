// Control-socket methods of partial failover (ctlsock-server.ts serves them; daemon.ts merges them
// into its handler table):
//   neighbors {}                          -> the data plane's IP -> MAC -> site table
//   fdb {}                                -> the MAC table (works without failover too)
//   failover {host, to?, check?, force?}  -> OpResult (failover.ts); to: a site name (absent: the
//                                            provider's site), or a role naming exactly one site
//   failback {host, to?, check?, force?}  -> OpResult (to absent: the tenant's site)
//   resolve {host, keep}                  -> OpResult; keep: one of the two sites in conflict (name or role)
// Parameters are checked strictly (one-line errors); HOST is an IPv4/IPv6 or MAC address.

import { parseHost } from '../util/host-arg';
import { parseSiteName } from '../config/site';
import type { Site } from '../control/mobility';
import type { DataPlane } from '../dataplane/types';
import { ValueError } from '../util/value-error';
import type { CtlsockHandlers } from './ctlsock-server';
import type { FailoverDriver } from './failover';
import type { FdbReply, FdbRow, NeighborsReply } from '../ipc/failover-replies';

export const NOT_ENABLED = 'partial failover is not active on this appliance (set "failover": {"enabled": true, "site": ...} ' +
  'in bridgehead.json and restart; the data plane must support it)';

function obj(params: unknown, keys: string[]): Record<string, unknown> {
  const o = (params ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new Error('params must be an object');
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new Error(`unknown parameter ${JSON.stringify(k.slice(0, 32))}`);
  return o;
}

function host(o: Record<string, unknown>): string {
  if (typeof o.host !== 'string') throw new Error('parameter "host" must be a string');
  try { return parseHost(o.host); } catch (e) {
    if (e instanceof ValueError) throw new Error(`invalid host ${JSON.stringify(o.host.slice(0, 64))}: ${e.message}`);
    throw e;
  }
}

function siteParam(o: Record<string, unknown>, k: string): Site {
  try { return parseSiteName(typeof o[k] === 'string' ? o[k] as string : ''); } catch (e) {
    throw new Error(`parameter "${k}" ${(e as Error).message}`);
  }
}

function flag(o: Record<string, unknown>, k: string): boolean {
  if (o[k] === undefined) return false;
  if (typeof o[k] !== 'boolean') throw new Error(`parameter "${k}" must be true or false`);
  return o[k] as boolean;
}

export function failoverHandlers(d: {
  dp: Pick<DataPlane, 'macTable'> & Partial<Pick<DataPlane, 'neighbors'>>;
  driver: FailoverDriver | null;
  peerName: (id: number) => string;
  now: () => number;
}): CtlsockHandlers {
  const need = (): FailoverDriver => { if (!d.driver) throw new Error(NOT_ENABLED); return d.driver; };
  const siteOf = (peer: number): string => (peer === 0 ? d.driver?.site ?? 'local' : d.driver?.siteOfPeerId(peer) ?? 'remote');
  return {
    neighbors: (params): NeighborsReply => {
      obj(params, []);
      const drv = need();
      // a remote entry's site is the record's: in a hub layout `peer` is the hub it is reached through
      const remoteSite = (ip: string, peer: number): string => {
        const r = drv.recordOf(ip);
        return r && r.site !== drv.site ? r.site : siteOf(peer);
      };
      const rows = (d.dp.neighbors?.() ?? []).map((n) => ({
        ip: n.ip, mac: n.mac, site: n.peer === 0 ? siteOf(0) : remoteSite(n.ip, n.peer), peer: n.peer === 0 ? null : d.peerName(n.peer), seq: n.seq,
        origin: n.origin, router: n.router, frozen: n.frozen, ageMs: n.ageMs, conflict: drv.conflictOf(n.ip)?.reason ?? null,
      }));
      rows.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
      return { site: drv.site, role: drv.role, entries: rows };
    },
    fdb: (params): FdbReply => {
      obj(params, []);
      const site = d.driver?.site ?? null;
      const placed = new Set<string>();
      if (d.driver) for (const n of d.dp.neighbors?.() ?? []) if (n.peer !== 0) placed.add(`${n.mac}/${n.peer}`);
      const rows = d.dp.macTable().map((m): FdbRow => ({ mac: m.mac, site: siteOf(m.peer), peer: m.peer === 0 ? null : d.peerName(m.peer),
        ageMs: m.ageMs, origin: placed.has(`${m.mac}/${m.peer}`) ? 'peer' : 'learned' }));
      rows.sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
      return { site, entries: rows };
    },
    failover: (params) => {
      const o = obj(params, ['host', 'to', 'check', 'force']);
      const h = host(o);
      const to = o.to === undefined ? {} : { to: siteParam(o, 'to') };
      return need().move('failover', h, { check: flag(o, 'check'), force: flag(o, 'force'), ...to }, d.now);
    },
    failback: (params) => {
      const o = obj(params, ['host', 'to', 'check', 'force']);
      const h = host(o);
      const to = o.to === undefined ? {} : { to: siteParam(o, 'to') };
      return need().move('failback', h, { check: flag(o, 'check'), force: flag(o, 'force'), ...to }, d.now);
    },
    resolve: (params) => {
      const o = obj(params, ['host', 'keep']);
      const h = host(o);
      return need().resolve(h, siteParam(o, 'keep'), d.now());
    },
  };
}
