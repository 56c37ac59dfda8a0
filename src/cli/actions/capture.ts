// capture: config -> device and BPF filter -> pcap session (the `pcap` package, libpcap) ->
// one summary line per packet (pcap's decoders) or a pcap file -> stop at count or deadline.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { configPaths, loadConfig } from '../../config/store';
import { loadTenants } from '../../config/tenant-store';
import { callCtlsock, CtlsockError } from '../../ipc/ctlsock-client';
import type { StatusSnapshot } from '../../ipc/status-types';
import { parseHostPort } from '../../util/endpoint';
import { CliContext, CliError } from '../io';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, pcapGlobalHeader, pcapRecord } from '../pcap-file';

export interface CaptureOptions {
  config: string;
  where: 'tap' | 'wan';
  interface?: string;
  filter?: string;
  count: number;
  seconds: number;
  write?: string;
  /** --tenant NAME (config is then DIR/tenants/NAME): --where wan shows only this tenant's datagrams */
  tenant?: string;
}

/** A tenant's share of the appliance's one UDP port: its steering slot and its peers' endpoints. */
export interface TenantWan { slot: number; endpoints: string[] }

interface PcapPacket { buf: Buffer; header: Buffer; link_type: string }
interface PcapSession {
  on(ev: 'packet', fn: (p: PcapPacket) => void): void;
  close(): void;
  link_type: string;
}
interface PcapModule {
  createSession(device: string, opts: { filter?: string; buffer_timeout?: number; promiscuous?: boolean }): PcapSession;
  decode: { packet(p: PcapPacket): { toString(): string } };
}

/**
 * Only one tenant's tunnel datagrams on the shared port (docs/INTERNALS.md 9.5):
 *  - received ones whose receiver index carries the tenant's slot in its top byte (what the kernel
 *    steers by: data and cookie replies payload byte 7, handshake responses byte 11; IPv4 only,
 *    libpcap's udp[] does not reach into IPv6), and
 *  - everything to and from the tenant's peers' endpoints (what it sends, initiations it receives).
 * `inbound` keeps the slot test off sent datagrams, whose index the peer chose.
 */
export function tenantWanFilter(listenPort: number, t: TenantWan): string {
  // (pcap's `and` and `or` bind equally, left to right: every group is bracketed)
  const byIndex = `(inbound and (((udp[8] = 4 or udp[8] = 3) and udp[15] = ${t.slot}) or (udp[8] = 2 and udp[19] = ${t.slot})))`;
  const peers = [...new Set(t.endpoints)].flatMap((e) => {
    try { const hp = parseHostPort(e); return hp.kind === 'hostname' ? [] : [`(host ${hp.host} and udp port ${hp.port})`]; } catch { return []; }
  });
  return `udp port ${listenPort} and (${[byIndex, ...peers].join(' or ')})`;
}

export function captureTarget(o: CaptureOptions, tap: string, listenPort: number, tenant?: TenantWan): { device: string; filter: string } {
  const device = o.interface ?? (o.where === 'tap' ? tap : 'any');
  const base = o.where === 'wan' ? (tenant ? tenantWanFilter(listenPort, tenant) : `udp port ${listenPort}`) : '';
  const filter = [base, o.filter ? `(${o.filter})` : ''].filter(Boolean).join(' and ');
  return { device, filter };
}

/** The tenant's slot (tenants.json of the appliance) and its peers' endpoints: live from its
 *  daemon when it runs, else the configured ones. */
async function tenantWan(o: CaptureOptions & { tenant: string }): Promise<TenantWan> {
  const root = path.dirname(path.dirname(path.resolve(o.config)));
  const entry = loadTenants(root).find((t) => t.name === o.tenant);
  if (!entry) throw new CliError(`no tenant "${o.tenant}" in ${root}`);
  let endpoints: string[];
  try {
    const s = (await callCtlsock(configPaths(o.config).socket, 'status', {}, 5000)) as StatusSnapshot;
    endpoints = s.peers.map((p) => p.endpoint).filter((e): e is string => e !== null);
  } catch (e) {
    if (!(e instanceof CtlsockError && e.kind === 'not-running')) throw e;
    endpoints = loadConfig(o.config).peers.map((p) => p.endpoint).filter((e): e is string => e !== null);
  }
  return { slot: entry.slot, endpoints };
}

export async function captureAction(o: CaptureOptions, ctx: CliContext): Promise<number> {
  const config = loadConfig(o.config);
  const tenant = o.where === 'wan' && o.tenant !== undefined ? await tenantWan(o as CaptureOptions & { tenant: string }) : undefined;
  const { device, filter } = captureTarget(o, config.tap, config.listen.port, tenant);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pcap = require('pcap') as PcapModule;
  let session: PcapSession;
  try {
    session = pcap.createSession(device, { filter, buffer_timeout: 100, promiscuous: o.where === 'tap' });
  } catch (e) {
    throw new CliError(`cannot capture on ${device}${filter ? ` with filter "${filter}"` : ''}: ${(e as Error).message}`);
  }
  const out = o.write ? fs.openSync(o.write, 'w', 0o600) : null;
  if (out !== null) {
    const linkType = session.link_type === 'LINKTYPE_LINUX_SLL' ? LINKTYPE_LINUX_SLL : LINKTYPE_ETHERNET;
    fs.writeSync(out, pcapGlobalHeader(linkType));
  }
  ctx.info(`capturing on ${device}${filter ? ` (${filter})` : ''}: up to ${o.count} packets or ${o.seconds} s`);
  let n = 0;
  return new Promise<number>((resolve) => {
    const finish = (): void => {
      clearTimeout(deadline);
      session.close();
      if (out !== null) fs.closeSync(out);
      ctx.info(`${n} packet(s) captured${o.write ? `, written to ${o.write}` : ''}`);
      resolve(0);
    };
    const deadline = setTimeout(finish, o.seconds * 1000);
    session.on('packet', (raw) => {
      if (n >= o.count) return;
      n++;
      const len = raw.header.readUInt32LE(8);
      if (out !== null) {
        fs.writeSync(out, pcapRecord(Date.now(), raw.buf.subarray(0, len), raw.header.readUInt32LE(12)));
      } else {
        let text: string;
        try { text = pcap.decode.packet(raw).toString(); } catch { text = `(${len} bytes, not decoded)`; }
        ctx.out(`${new Date().toISOString()} ${text}`);
      }
      if (n >= o.count) setImmediate(finish);
    });
  });
}
