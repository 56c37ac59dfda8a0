// capture: config -> device and BPF filter -> pcap session (the `pcap` package, libpcap) ->
// one summary line per packet (pcap's decoders) or a pcap file -> stop at count or deadline.

import * as fs from 'node:fs';
import { loadConfig } from '../../config/store';
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
}

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

export function captureTarget(o: CaptureOptions, tap: string, listenPort: number): { device: string; filter: string } {
  const device = o.interface ?? (o.where === 'tap' ? tap : 'any');
  const base = o.where === 'wan' ? `udp port ${listenPort}` : '';
  const filter = [base, o.filter ? `(${o.filter})` : ''].filter(Boolean).join(' and ');
  return { device, filter };
}

export async function captureAction(o: CaptureOptions, ctx: CliContext): Promise<number> {
  const config = loadConfig(o.config);
  const { device, filter } = captureTarget(o, config.tap, config.listen.port);
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
