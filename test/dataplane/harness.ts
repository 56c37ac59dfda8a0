// Shared fixtures for the tier-2 data-plane tests: two DataPlane instances in socketpair mode on
// 127.0.0.1 ephemeral ports with matching keypairs installed directly, a fake UDP peer (node
// dgram) that records what it receives, frame builders, and an independent JS implementation of
// the transport-data wire format (docs/INTERNALS.md section 1) on top of addon.aeadSeal/Open.

import * as dgram from 'node:dgram';
import * as crypto from 'node:crypto';

import { loadNative } from '../../src/dataplane/native';
import { readEnvSwitches } from '../../src/daemon/env-switch';
import type { DataPlane, Endpoint, NativeEvent, NativeAddon } from '../../src/dataplane/types';

export const addon: NativeAddon = loadNative();
export const LOCALHOST = '127.0.0.1';
const TAP_READER_ENV = readEnvSwitches().tapReader;

export interface Node {
  dp: DataPlane;
  events: NativeEvent[];
  ep: Endpoint;
}

export function makeNode(
  opts: { eventQueueCapacity?: number; macTableCapacity?: number; macAgeMs?: number; tapOffload?: boolean; maxFrameSize?: number;
    threadNice?: number; udpOffload?: boolean; tapGro?: boolean; dataPath?: 'auto' | 'light' | 'pipeline';
    pipelineBatch?: number; busyPollUs?: number; cpuAffinity?: { rx: number; tx: number };
    tapReader?: 'auto' | 'io_uring' | 'read' } = {},
): Node {
  const events: NativeEvent[] = [];
  const dp = new addon.DataPlane({
    tap: { socketpair: true },
    listen: { address: LOCALHOST, port: 0 },
    onEvent: (ev) => events.push(ev),
    // BRIDGEHEAD_TAP_READER=read|io_uring runs the whole tier-2 suite on one TAP reader (scripts/test.sh)
    ...(TAP_READER_ENV ? { tapReader: TAP_READER_ENV } : {}),
    ...opts,
  });
  return { dp, events, ep: { address: LOCALHOST, port: dp.port } };
}

export interface Session {
  aIndex: number; // A's local index (= B's remote index)
  bIndex: number;
  aToB: Buffer; // A's sendKey = B's recvKey
  bToA: Buffer;
}

let nextIndex = 0x1000;
export function newSession(): Session {
  return { aIndex: nextIndex++, bIndex: nextIndex++, aToB: crypto.randomBytes(32), bToA: crypto.randomBytes(32) };
}

/** a = initiator (current at once), b = responder (next until A's first packet). */
export function installSession(a: DataPlane, aPeer: number, b: DataPlane, bPeer: number, s: Session): void {
  a.installKeypair(aPeer, { localIndex: s.aIndex, remoteIndex: s.bIndex, sendKey: s.aToB, recvKey: s.bToA, initiator: true });
  b.installKeypair(bPeer, { localIndex: s.bIndex, remoteIndex: s.aIndex, sendKey: s.bToA, recvKey: s.aToB, initiator: false });
}

export interface Pair {
  a: Node;
  b: Node;
  session: Session;
  close(): void;
}

/** Two started data planes, peer id 1 on each side, B's key confirmed by a keepalive from A. */
export async function makePair(opts: Parameters<typeof makeNode>[0] = {}): Promise<Pair> {
  const a = makeNode(opts);
  const b = makeNode(opts);
  a.dp.addPeer(1, b.ep);
  b.dp.addPeer(1, a.ep);
  const session = newSession();
  installSession(a.dp, 1, b.dp, 1, session);
  a.dp.start();
  b.dp.start();
  assert(a.dp.sendKeepalive(1), 'keepalive A -> B');
  await waitFor(() => b.events.find((e) => e.type === 'keypair-confirmed'), 'B confirms the keypair');
  return {
    a,
    b,
    session,
    close() {
      a.dp.stop();
      b.dp.stop();
    },
  };
}

function assert(ok: unknown, what: string): asserts ok {
  if (!ok) throw new Error(`harness: ${what} failed`);
}

export async function waitFor<T>(fn: () => T | undefined | null | false, what: string, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function mac(last: number, first = 0x02): Buffer {
  return Buffer.from([first, 0, 0, 0, 0, last]);
}
export const BROADCAST = Buffer.alloc(6, 0xff);

/** An Ethernet II frame of `len` bytes (>= 14) with a recognisable payload. */
export function frame(dst: Buffer, src: Buffer, len = 64, seed = 0): Buffer {
  const f = Buffer.alloc(len);
  dst.copy(f, 0);
  src.copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  for (let i = 14; i < len; i++) f[i] = (i * 31 + seed * 7) & 0xff;
  return f;
}

/** Reads frames until `n` arrived or `ms` of silence. */
export function readFrames(dp: DataPlane, n: number, ms = 1000): Buffer[] {
  const out: Buffer[] = [];
  while (out.length < n) {
    const f = dp.testReadFrame(ms);
    if (!f) break;
    out.push(f);
  }
  return out;
}

/** A fake peer on a node dgram socket: records datagrams with their source. */
export interface FakePeer {
  sock: dgram.Socket;
  ep: Endpoint;
  got: { data: Buffer; from: Endpoint }[];
  send(data: Buffer, to: Endpoint): Promise<void>;
  close(): void;
}

export async function fakePeer(): Promise<FakePeer> {
  const sock = dgram.createSocket('udp4');
  const got: FakePeer['got'] = [];
  sock.on('message', (data, rinfo) => got.push({ data, from: { address: rinfo.address, port: rinfo.port } }));
  await new Promise<void>((r) => sock.bind(0, LOCALHOST, () => r()));
  return {
    sock,
    ep: { address: LOCALHOST, port: sock.address().port },
    got,
    send: (data, to) => new Promise<void>((r, j) => sock.send(data, to.port, to.address, (e) => (e ? j(e) : r()))),
    close: () => sock.close(),
  };
}

// ---- the transport data format, written independently of the C code ----

export function nonce(counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64LE(counter, 4);
  return n;
}

export function sealData(key: Buffer, receiver: number, counter: bigint, subtype: number, pt: Buffer): Buffer {
  const hdr = Buffer.alloc(16);
  hdr[0] = 4;
  hdr[1] = subtype;
  hdr.writeUInt32LE(receiver, 4);
  hdr.writeBigUInt64LE(counter, 8);
  return Buffer.concat([hdr, addon.aeadSeal(key, nonce(counter), hdr, pt)]);
}

export function openData(key: Buffer, pkt: Buffer): { subtype: number; receiver: number; counter: bigint; pt: Buffer } | null {
  const hdr = pkt.subarray(0, 16);
  const counter = hdr.readBigUInt64LE(8);
  const pt = addon.aeadOpen(key, nonce(counter), hdr, pkt.subarray(16));
  return pt && { subtype: hdr[1], receiver: hdr.readUInt32LE(4), counter, pt };
}
