// /metrics of a multi-tenant provider appliance (docs/INTERNALS.md 9): every family of metrics.ts
// once, with a `tenant` label on each sample ("" = the appliance's own, implicit tenant, so a
// single-tenant query keeps matching it). Each tenant's snapshot renders through its own
// BridgeheadMetrics; the texts are merged family by family (one HELP/TYPE header each), which
// keeps the exposition valid for `promtool check metrics`.
//
//   scrape -> for each tenant: status() -> BridgeheadMetrics.render -> label -> merge -> text

import type { Logger } from 'pino';
import type { StatusSnapshot } from '../ipc/status-types';
import { BridgeheadMetrics } from './metrics';
import { startMetricsServer, type MetricsServer } from './metrics-server';
import { dataPlaneThreadCpu } from './thread-cpu';

export interface TenantExposition { tenant: string; text: string }

interface Family { header: string[]; samples: string[] }

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `name{a="b"} 1` -> `name{tenant="t",a="b"} 1`; `name 1` -> `name{tenant="t"} 1`. */
export function withTenantLabel(sample: string, tenant: string): string {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)?/.exec(sample);
  if (!m) return sample;
  const label = `tenant="${escapeLabel(tenant)}"`;
  const rest = sample.slice(m[0].length);
  if (m[2]) return `${m[1]}{${label}${rest.startsWith('}') ? '' : ','}${rest}`;
  return `${m[1]}{${label}}${rest}`;
}

/** Merges expositions family by family; samples of `unlabelled` families (process-wide, from the
 *  first text only) are kept as they are. */
export function mergeTenantExpositions(parts: readonly TenantExposition[], unlabelled: (family: string) => boolean): string {
  const families = new Map<string, Family>();
  parts.forEach((p, i) => {
    let current: Family | null = null;
    let currentName = '';
    for (const line of p.text.split('\n')) {
      if (line === '') continue;
      const h = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
      if (h) {
        if (h[2] !== currentName) {
          currentName = h[2];
          current = families.get(currentName) ?? null;
          if (!current) { current = { header: [], samples: [] }; families.set(currentName, current); }
        }
        const fam = current as Family;
        if (!fam.header.includes(line)) fam.header.push(line);
        continue;
      }
      if (!current) continue;
      if (unlabelled(currentName)) { if (i === 0) current.samples.push(line); continue; }
      current.samples.push(withTenantLabel(line, p.tenant));
    }
  });
  const out: string[] = [];
  for (const f of families.values()) {
    if (f.samples.length === 0) continue;
    out.push(...f.header, ...f.samples);
  }
  return `${out.join('\n')}\n`;
}

const PROCESS_WIDE = (name: string): boolean => /^(process_|nodejs_)/.test(name) ||
  name === 'bridgehead_build_info' || name === 'bridgehead_dataplane_thread_cpu_seconds_total';

/** Serves /metrics for every tenant (tenants() lists them, the implicit one as ""). */
export async function serveTenantMetrics(d: { listen: { address: string; port: number };
  tenants: () => Array<{ tenant: string; status: () => StatusSnapshot }>; now: () => number; log: Logger;
  build: { version: string; nodeVersion: string } }): Promise<MetricsServer> {
  const processMetrics = new BridgeheadMetrics(d.build);
  const perTenant = new Map<string, BridgeheadMetrics>();
  const server = await startMetricsServer({
    listen: d.listen, contentType: processMetrics.contentType,
    render: async () => {
      const nowMs = d.now();
      const list = d.tenants();
      for (const name of [...perTenant.keys()]) if (!list.some((t) => t.tenant === name)) perTenant.delete(name);
      const parts: TenantExposition[] = [];
      for (const [i, t] of list.entries()) {
        let m = perTenant.get(t.tenant);
        if (!m) { m = i === 0 ? processMetrics : new BridgeheadMetrics(d.build, { processMetrics: false }); perTenant.set(t.tenant, m); }
        parts.push({ tenant: t.tenant, text: await m.render({ status: t.status(), threadCpu: i === 0 ? dataPlaneThreadCpu() : [], nowMs }) });
      }
      return mergeTenantExpositions(parts, PROCESS_WIDE);
    },
    onError: (err) => d.log.warn({ err: err.message }, 'metrics: scrape failed'),
  });
  d.log.info({ listen: `${d.listen.address}:${server.port}` }, 'metrics served at /metrics (labelled by tenant)');
  return server;
}
