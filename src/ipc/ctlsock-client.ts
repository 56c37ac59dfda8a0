// Client side of the local control socket (<configDir>/bridgehead.sock; the server is
// src/daemon/ctlsock-server.ts): JSON lines over a Unix stream socket.
//
//   client -> {"id": 1, "method": "status", "params": {}}\n
//   server -> {"id": 1, "result": {...}}\n      or      {"id": 1, "error": "one line"}\n
//
// callCtlsock() connects, sends one request, waits for the matching line; every failure is a
// CtlsockError with one clear line (not running / permission denied / timeout / ...).

import * as net from 'node:net';
import { oneLine } from '../util/value-error';

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** sockaddr_un.sun_path is 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export type CtlsockErrorKind = 'not-running' | 'permission' | 'timeout' | 'protocol' | 'remote' | 'other';

export class CtlsockError extends Error {
  constructor(
    readonly kind: CtlsockErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CtlsockError';
  }
}

export function socketErrorCode(e: unknown): string | undefined {
  return e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

export function checkSocketPath(path: string): void {
  const n = Buffer.byteLength(path);
  if (n > MAX_SOCKET_PATH_BYTES) {
    throw new CtlsockError('other', `control socket path too long (${n} bytes, max ${MAX_SOCKET_PATH_BYTES}): ${path}`);
  }
}

// --------------------------------------------------------------------------------- client

let nextId = 1;

/** Send one request to the daemon and wait for its answer. Throws CtlsockError. */
export function callCtlsock(path: string, method: string, params: unknown = {}, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    try {
      checkSocketPath(path);
    } catch (e) {
      reject(e);
      return;
    }
    const id = nextId++;
    let settled = false;
    let buf: Buffer = Buffer.alloc(0);
    const sock = net.createConnection(path);
    const finish = (err: CtlsockError | null, value?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => {
      finish(new CtlsockError('timeout', `no answer from the daemon on ${path} within ${Math.ceil(timeoutMs / 1000)} s`));
    }, timeoutMs);

    sock.once('connect', () => {
      sock.write(`${JSON.stringify({ id, method, params })}\n`);
    });
    sock.on('error', (e) => {
      const code = socketErrorCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') finish(new CtlsockError('not-running', `daemon not running (no control socket at ${path})`));
      else if (code === 'ECONNREFUSED') finish(new CtlsockError('not-running', `daemon not running (stale control socket at ${path})`));
      else if (code === 'EACCES' || code === 'EPERM') finish(new CtlsockError('permission', `permission denied on ${path}`));
      else if (code === 'ECONNRESET' || code === 'EPIPE') finish(new CtlsockError('protocol', `daemon closed the control connection on ${path}`));
      else finish(new CtlsockError('other', `control socket ${path}: ${oneLine(e.message)}`));
    });
    sock.on('close', () => finish(new CtlsockError('protocol', `daemon closed the control connection on ${path} without answering`)));
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      let nl: number;
      while ((nl = buf.indexOf(0x0a)) >= 0) {
        const line = buf.subarray(0, nl).toString('utf8');
        buf = buf.subarray(nl + 1);
        let msg: unknown;
        try {
          msg = JSON.parse(line);
        } catch {
          return finish(new CtlsockError('protocol', `daemon sent an invalid answer on ${path}`));
        }
        if (msg === null || typeof msg !== 'object') return finish(new CtlsockError('protocol', `daemon sent an invalid answer on ${path}`));
        const m = msg as { id?: unknown; result?: unknown; error?: unknown };
        if (m.id !== id && m.id !== null) continue; // not ours (cannot happen with one request)
        if (typeof m.error === 'string') return finish(new CtlsockError('remote', m.error));
        if (m.id === null) return finish(new CtlsockError('protocol', `daemon sent an invalid answer on ${path}`));
        return finish(null, m.result === undefined ? null : m.result);
      }
      if (buf.length > MAX_RESPONSE_BYTES) finish(new CtlsockError('protocol', `daemon answer on ${path} is too large`));
    });
  });
}
