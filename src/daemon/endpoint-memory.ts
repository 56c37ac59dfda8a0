// The last authenticated endpoint of each peer that has no configured endpoint (a tenant behind
// NAT, as the provider sees it), kept in <configDir>/endpoints.json. A restarted daemon (kill -9,
// crash, upgrade) initiates to it at once instead of waiting until the peer notices that its
// session is gone (keepalive 10 s + retry 5 s): the peer's NAT mapping towards us is still open
// because the peer kept sending while we were down.
//
//   tick -> snapshot of {publicKey: "ip:port"} -> changed and >= 1 s since the last write?
//        -> written atomically (0600)
//   start -> file read (a bad file is one warning, never fatal) -> endpoints of matching peers
//
// Bounded: one entry per peer of the registry (itself bounded by the config).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isIP } from 'node:net';
import { writeFileAtomic } from '../config/store';
import type { Endpoint } from '../dataplane/types';
import type { PeerEntry } from './peer-registry';

export const ENDPOINTS_FILE = 'endpoints.json';
const MIN_WRITE_INTERVAL_MS = 1000;
const MAX_FILE_BYTES = 1 << 20;

interface Log { warn(o: object, msg: string): void }

function parseEndpoint(v: unknown): Endpoint | null {
  if (typeof v !== 'string') return null;
  const m = /^\[?([0-9A-Fa-f:.]+)\]?:(\d{1,5})$/.exec(v);
  if (!m || !isIP(m[1])) return null;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { address: m[1], port } : null;
}

function formatEndpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

export class EndpointMemory {
  private lastJson: string | null = null;
  private lastWriteMs = -Infinity;
  private warned = false;

  constructor(private readonly configDir: string, private readonly log: Log) {}

  get file(): string { return path.join(this.configDir, ENDPOINTS_FILE); }

  /** Remembered endpoints by base64 public key; empty when there is no (usable) file. */
  load(): Map<string, Endpoint> {
    const out = new Map<string, Endpoint>();
    let text: string;
    try {
      if (fs.statSync(this.file).size > MAX_FILE_BYTES) throw new Error('file too large');
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log.warn({ file: this.file, err: (e as Error).message }, 'ignoring the remembered peer endpoints');
      }
      return out;
    }
    let obj: unknown;
    try { obj = JSON.parse(text); } catch { obj = null; }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      this.log.warn({ file: this.file }, 'ignoring the remembered peer endpoints: not a JSON object');
      return out;
    }
    for (const [key, v] of Object.entries(obj as Record<string, unknown>)) {
      const ep = parseEndpoint(v);
      if (ep) out.set(key, ep);
    }
    this.lastJson = JSON.stringify(Object.fromEntries([...out].map(([k, e]) => [k, formatEndpoint(e)])));
    return out;
  }

  /** Writes the current endpoints of peers without a configured one, when they changed. */
  save(peers: readonly PeerEntry[], nowMs: number): void {
    if (nowMs - this.lastWriteMs < MIN_WRITE_INTERVAL_MS) return;
    const snap: Record<string, string> = {};
    for (const p of peers) {
      if (!p.provisional && !p.configuredEndpoint && p.endpoint) snap[p.publicKeyB64] = formatEndpoint(p.endpoint);
    }
    const json = JSON.stringify(snap);
    if (json === this.lastJson) return;
    this.lastWriteMs = nowMs;
    try {
      writeFileAtomic(this.file, `${JSON.stringify(snap, null, 2)}\n`);
      this.lastJson = json;
      this.warned = false;
    } catch (e) {
      if (!this.warned) this.log.warn({ file: this.file, err: (e as Error).message }, 'cannot remember the peer endpoints');
      this.warned = true;
    }
  }
}
