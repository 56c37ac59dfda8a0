// failover / failback / resolve / neighbors / fdb: one request over the control socket -> JSON or
// text. A refused move or resolve exits 1 (the daemon answered, but nothing was done).

import { configPaths } from '../../config/store';
import { callCtlsock } from '../../ipc/ctlsock-client';
import type { Site } from '../../control/mobility';
import { formatFdb, formatNeighbors, formatOpResult, isFdbReply, isNeighborsReply, isOpResult } from '../failover-format';
import { CliContext, CliError } from '../io';

/** probes may take the peer's probe time + a WAN round trip per IP of the host */
export const FAILOVER_TIMEOUT_MS = 20000;

export interface TableOptions { config: string; json: boolean }
export interface MoveOptions { config: string; json: boolean; check: boolean; force: boolean; to?: Site }
export interface ResolveOptions { config: string; json: boolean; keep: Site }

async function ask(config: string, method: string, params: object, timeoutMs = 5000): Promise<unknown> {
  return callCtlsock(configPaths(config).socket, method, params, timeoutMs);
}

export async function neighborsAction(o: TableOptions, ctx: CliContext): Promise<number> {
  const r = await ask(o.config, 'neighbors', {});
  if (!isNeighborsReply(r)) throw new CliError('unexpected neighbors reply from the daemon');
  if (o.json) ctx.out(JSON.stringify(r, null, 2)); else ctx.io.stdout.write(formatNeighbors(r));
  return 0;
}

export async function fdbAction(o: TableOptions, ctx: CliContext): Promise<number> {
  const r = await ask(o.config, 'fdb', {});
  if (!isFdbReply(r)) throw new CliError('unexpected fdb reply from the daemon');
  if (o.json) ctx.out(JSON.stringify(r, null, 2)); else ctx.io.stdout.write(formatFdb(r));
  return 0;
}

async function op(config: string, method: string, params: object, json: boolean, ctx: CliContext): Promise<number> {
  const r = await ask(config, method, params, FAILOVER_TIMEOUT_MS);
  if (!isOpResult(r)) throw new CliError(`unexpected ${method} reply from the daemon`);
  if (json) ctx.out(JSON.stringify(r, null, 2)); else ctx.io.stdout.write(formatOpResult(r));
  return r.ok ? 0 : 1;
}

export function moveAction(method: 'failover' | 'failback') {
  return (host: string, o: MoveOptions, ctx: CliContext): Promise<number> =>
    op(o.config, method, { host, check: o.check, force: o.force, ...(o.to !== undefined ? { to: o.to } : {}) }, o.json, ctx);
}

export function resolveAction(host: string, o: ResolveOptions, ctx: CliContext): Promise<number> {
  return op(o.config, 'resolve', { host, keep: o.keep }, o.json, ctx);
}
