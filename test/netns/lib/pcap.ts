// libpcap captures in a namespace (scripts/pcap-capture.js, npm `cap`) and a small reader for the
// classic .pcap files it writes (Ethernet -> IPv4 -> UDP/ICMP).
import * as fs from 'node:fs';
import { NODE, PCAP_CAPTURE } from './env';
import { Background, WaitAbort, waitFor } from './proc';
import { NetnsSuite } from './suite';
import { NodeName } from './topology';

export interface CaptureDone { event: 'done'; reason: string; packets: number; bytes: number; truncated: number; out: string }

export class Capture {
  private constructor(readonly proc: Background, readonly out: string, readonly logFile: string) {}

  /** Starts the capture and waits (bounded) until libpcap has the device open. */
  static async start(suite: NetnsSuite, node: NodeName, dev: string, filter: string,
    o: { name: string; count?: number; timeoutS: number }): Promise<Capture> {
    const out = suite.logFile(`${o.name}.pcap`), log = suite.logFile(`${o.name}.capture.log`);
    const proc = suite.track(suite.topo.spawn(node, `capture-${o.name}`, [NODE, PCAP_CAPTURE, '--dev', dev,
      '--filter', filter, '--count', String(o.count ?? 0), '--timeout', String(o.timeoutS), '--out', out], log));
    const c = new Capture(proc, out, log);
    await waitFor(`capture ${o.name} on ${dev} ready`, 10000, async () => {
      if (!proc.running) throw new WaitAbort(`capture exited: ${proc.logTail(10)}`);
      return fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('"event":"ready"');
    }, 100);
    return c;
  }

  /** Ends the capture (SIGINT) and returns its summary. */
  async stop(): Promise<CaptureDone> {
    await this.proc.stop('SIGINT', 5000);
    return this.summary();
  }

  /** Waits for the capture to end by itself (count or timeout). */
  async wait(timeoutMs: number): Promise<CaptureDone> {
    if (!(await this.proc.waitExit(timeoutMs))) await this.proc.stop('SIGINT', 5000);
    return this.summary();
  }

  private summary(): CaptureDone {
    const lines = fs.readFileSync(this.logFile, 'utf8').split('\n').filter((l) => l.includes('"event":"done"'));
    if (!lines.length) throw new Error(`capture gave no summary: ${this.proc.logTail(10)}`);
    return JSON.parse(lines[lines.length - 1]) as CaptureDone;
  }

  packets(): PcapPacket[] { return readPcap(this.out).packets; }
}

export interface PcapPacket { tsSec: number; tsUsec: number; origLen: number; data: Buffer }

export function readPcap(file: string): { linkType: number; packets: PcapPacket[] } {
  const b = fs.readFileSync(file);
  if (b.length < 24) throw new Error(`${file}: not a pcap file (${b.length} bytes)`);
  const magic = b.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4) throw new Error(`${file}: unsupported pcap magic 0x${magic.toString(16)}`);
  const linkType = b.readUInt32LE(20);
  const packets: PcapPacket[] = [];
  let off = 24;
  while (off + 16 <= b.length) {
    const incl = b.readUInt32LE(off + 8);
    if (off + 16 + incl > b.length) break;   // truncated last record (capture killed mid-write)
    packets.push({ tsSec: b.readUInt32LE(off), tsUsec: b.readUInt32LE(off + 4), origLen: b.readUInt32LE(off + 12),
      data: b.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
  }
  return { linkType, packets };
}

export interface Ipv4Packet {
  src: string; dst: string; proto: number; ipPayload: Buffer;
  sport?: number; dport?: number; udpPayload?: Buffer; frame: Buffer;
}

const ip4 = (b: Buffer, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** Ethernet (optionally one 802.1Q tag) -> IPv4 -> UDP; null for anything else. */
export function parseIpv4(frame: Buffer): Ipv4Packet | null {
  let off = 12;
  if (frame.length < 14) return null;
  let et = frame.readUInt16BE(off);
  if (et === 0x8100 && frame.length >= 18) { off += 4; et = frame.readUInt16BE(off); }
  off += 2;
  if (et !== 0x0800 || frame.length < off + 20) return null;
  const ihl = (frame[off] & 0x0f) * 4, total = frame.readUInt16BE(off + 2), proto = frame[off + 9];
  const end = Math.min(frame.length, off + total);
  const p: Ipv4Packet = { src: ip4(frame, off + 12), dst: ip4(frame, off + 16), proto,
    ipPayload: frame.subarray(off + ihl, end), frame };
  if (proto === 17 && p.ipPayload.length >= 8) {
    p.sport = p.ipPayload.readUInt16BE(0); p.dport = p.ipPayload.readUInt16BE(2);
    p.udpPayload = p.ipPayload.subarray(8);
  }
  return p;
}
