// `bridgehead up`: the process around the appliance instance (instance.ts): the control socket,
// metrics, SIGHUP (reload) and SIGTERM/SIGINT (stop). A provider appliance with named tenants
// runs one instance per tenant instead (provider.ts, docs/INTERNALS.md section 9).
//
//   control socket ──> status / reload / rotate-key / qos / failover / ha methods (instance.handlers)
//   SIGHUP ──> reload.ts (re-read config, apply what can change live)
//   GET /metrics ──> buildStatus + thread CPU ──> Prometheus text (metrics.ts, when enabled)
//   once a minute ──> full GC + malloc_trim for the whole process (memory-trim.ts)

import type { Config } from '../config/types';
import { loadTenants } from '../config/tenant-store';
import { startCtlsockServer } from './ctlsock-server';
import { startInstance } from './instance';
import { runProvider } from './provider';
import { serveMetrics } from './metrics';
import { metricsListen } from '../config/metrics-config';
import { loadDataPlane } from '../dataplane/native';
import { readEnvSwitches } from './env-switch';
import { MEMORY_TRIM_DEFAULT_S, MemoryTrim, fullGc } from './memory-trim';

export interface DaemonOptions { configDir: string; logLevel?: string }

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  // From the first moment SIGHUP must not end the daemon (Node's default): until the reloader
  // exists a HUP is remembered and served once start-up is done.
  let hupHandler: (() => void) | null = null;
  let hupEarly = false;
  const onHup = (): void => { if (hupHandler) hupHandler(); else hupEarly = true; };
  process.on('SIGHUP', onHup);
  // Process-wide, so once per process whether it runs one instance or a provider's many.
  const trimEveryS = readEnvSwitches().memoryTrimS ?? MEMORY_TRIM_DEFAULT_S;
  const memoryTrim = new MemoryTrim(() => loadDataPlane().trimMemory(), trimEveryS, trimEveryS > 0 ? fullGc() : null);
  const trimTimer = setInterval(() => memoryTrim.tick(Date.now()), 1000);
  trimTimer.unref();
  try {
    return await runDaemonInner(opts, (h) => { hupHandler = h; if (hupEarly) { hupEarly = false; h(); } });
  } finally {
    clearInterval(trimTimer);
    process.off('SIGHUP', onHup);
  }
}

async function runDaemonInner(opts: DaemonOptions, setHupHandler: (h: () => void) => void): Promise<number> {
  // A provider appliance with named tenants runs one instance per tenant (INTERNALS 9).
  if (loadTenants(opts.configDir).length > 0) return runProvider(opts, setHupHandler);
  const inst = await startInstance(opts);
  if (!inst) return 1;
  const { log } = inst;
  setHupHandler(() => { void inst.reload('SIGHUP'); });
  const now = () => Date.now();

  let server: { close(): Promise<void> } | null = null;
  let metrics: { close(): Promise<void> } | null = null;
  try {
    server = await startCtlsockServer(`${opts.configDir}/bridgehead.sock`, {
      ...inst.handlers,
      // `tenant add` on a single-tenant daemon: the tenants start when it restarts as a provider
      'tenants-reload': () => {
        throw new Error('this daemon runs as a single-tenant appliance; restart it to serve the tenants of tenants.json');
      },
    });
    const metricsAt = metricsListen(inst.config.metrics); // settings take effect at start (reload keeps them)
    if (metricsAt) metrics = await serveMetrics({ listen: metricsAt, status: inst.status, now, log });
  } catch (e) {
    await server?.close();
    inst.stop();
    process.stderr.write(`bridgehead: ${(e as Error).message}\n`);
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      void Promise.all([server?.close(), metrics?.close()]).finally(() => {
        inst.stop(); // timers, failover, data plane (removes the TAP, zeroes the session keys)
        log.info('stopped');
        resolve(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

export type { Config };
