// Local control socket: JSON lines over a Unix stream socket (<configDir>/bridgehead.sock).
//
//   client -> {"id": 1, "method": "status", "params": {}}\n
//   server -> {"id": 1, "result": {...}}\n      or      {"id": 1, "error": "one line"}\n
//
// Server flow: probe an existing socket file (refuse if a daemon answers, unlink if stale) ->
// listen with umask 0177 (socket born 0600) -> per client: split lines (max 64 KiB), run
// requests one at a time in arrival order (bounded queue: reading pauses when full), write
// responses; idle clients are disconnected; at most 16 clients at once (the 17th gets an error
// line and is closed). Handlers are looked up as own properties only.
// The client (callCtlsock) is src/ipc/ctlsock-client.ts: the CLI imports it without the server.

import * as fs from 'node:fs';
import * as net from 'node:net';
import { oneLine } from '../util/value-error';
import { CtlsockError, checkSocketPath, socketErrorCode as errCode } from '../ipc/ctlsock-client';

import { parseCtlsockRequest } from './ctlsock-request';

export type CtlsockHandler = (params: unknown) => Promise<unknown> | unknown;
export type CtlsockHandlers = Record<string, CtlsockHandler>;

export interface CtlsockServerOptions {
  maxLineBytes?: number; // default 64 KiB
  maxClients?: number; // default 16
  idleTimeoutMs?: number; // default 30 s
  maxQueuedPerClient?: number; // default 16 requests, then reading pauses
}

export interface CtlsockServer {
  close(): Promise<void>;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const DEFAULT_MAX_CLIENTS = 16;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BUFFER = 4 * 1024 * 1024;

type Probe = 'absent' | 'stale' | 'alive';

function probe(path: string, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(path);
    const timer = setTimeout(() => {
      s.destroy();
      resolve('alive'); // something holds the socket open but is slow: do not steal it
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('alive');
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      const code = errCode(e);
      if (code === 'ECONNREFUSED') resolve('stale');
      else if (code === 'ENOENT') resolve('absent');
      else if (code === 'EACCES' || code === 'EPERM') reject(new CtlsockError('permission', `permission denied on ${path}`));
      else reject(new CtlsockError('other', `cannot probe ${path}: ${e.message}`));
    });
  });
}

async function clearStaleSocket(path: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return;
    throw new CtlsockError('other', `cannot inspect ${path}: ${(e as Error).message}`);
  }
  if (!st.isSocket()) throw new CtlsockError('other', `${path} exists and is not a socket; refusing to replace it`);
  const state = await probe(path, 1000);
  if (state === 'alive') throw new CtlsockError('other', `another bridgehead daemon is already running (it answers on ${path})`);
  if (state === 'stale') {
    try {
      fs.unlinkSync(path);
    } catch (e) {
      if (errCode(e) !== 'ENOENT') throw new CtlsockError('other', `cannot remove stale socket ${path}: ${(e as Error).message}`);
    }
  }
}

function listen(server: net.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      server.off('listening', onListening);
      const code = errCode(e);
      if (code === 'EADDRINUSE') reject(new CtlsockError('other', `another bridgehead daemon is already running (it answers on ${path})`));
      else if (code === 'EACCES' || code === 'EPERM') reject(new CtlsockError('permission', `permission denied on ${path}`));
      else reject(new CtlsockError('other', `cannot listen on ${path}: ${e.message}`));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // The bind happens synchronously inside listen(): the socket file is created 0600 under
    // this umask, and the process-wide umask is restored before anything else can run.
    const old = process.umask(0o177);
    try {
      server.listen(path);
    } finally {
      process.umask(old);
    }
  });
}

export async function startCtlsockServer(
  path: string,
  handlers: CtlsockHandlers,
  opts: CtlsockServerOptions = {},
): Promise<CtlsockServer> {
  const maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS;
  const idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxQueued = opts.maxQueuedPerClient ?? 16;

  checkSocketPath(path);
  await clearStaleSocket(path);

  const clients = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: false, pauseOnConnect: false });
  server.maxConnections = maxClients + 8; // hard kernel-side stop; the soft limit below answers first

  const everyone = new Set<net.Socket>(); // served and refused, so close() can end them all
  server.on('connection', (sock) => {
    everyone.add(sock);
    sock.on('close', () => everyone.delete(sock));
    if (clients.size >= maxClients) {
      sock.on('error', () => undefined);
      sock.resume(); // discard input, but read so that the client's EOF closes the socket
      sock.end(`${JSON.stringify({ id: null, error: `too many control clients (max ${maxClients})` })}\n`);
      setTimeout(() => sock.destroy(), 1000).unref();
      return;
    }
    clients.add(sock);
    serveClient(sock, handlers, { maxLine, idleMs, maxQueued });
    sock.on('close', () => clients.delete(sock));
  });
  server.on('error', () => undefined); // after listening, errors are per-connection

  await listen(server, path);
  let ino: number | undefined;
  try {
    fs.chmodSync(path, 0o600);
    ino = fs.statSync(path).ino;
  } catch {
    /* vanished: close() below will not remove a foreign file */
  }

  let closed: Promise<void> | null = null;
  return {
    close(): Promise<void> {
      if (closed) return closed;
      closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of everyone) c.destroy();
        clients.clear();
      }).then(() => {
        // net.Server unlinks its own socket on close; make sure, but only if it is still ours.
        try {
          if (ino !== undefined && fs.lstatSync(path).ino === ino) fs.unlinkSync(path);
        } catch {
          /* already gone */
        }
      });
      return closed;
    },
  };
}

interface ClientLimits {
  maxLine: number;
  idleMs: number;
  maxQueued: number;
}

function serveClient(sock: net.Socket, handlers: CtlsockHandlers, lim: ClientLimits): void {
  let pending: Buffer = Buffer.alloc(0);
  const queue: string[] = [];
  let busy = false;
  let dead = false;

  const send = (msg: object): void => {
    if (dead || sock.destroyed) return;
    let line: string;
    try {
      line = `${JSON.stringify(msg)}\n`;
    } catch (e) {
      const id = (msg as { id?: unknown }).id ?? null;
      line = `${JSON.stringify({ id, error: `result not serializable: ${(e as Error).message}` })}\n`;
    }
    sock.write(line);
    if (sock.writableLength > MAX_OUTPUT_BUFFER) kill(); // client is not reading its answers
  };
  const kill = (): void => {
    dead = true;
    sock.destroy();
  };
  const refuse = (error: string): void => {
    send({ id: null, error });
    dead = true;
    sock.end();
    setTimeout(() => sock.destroy(), 1000).unref();
  };

  const handle = async (line: string): Promise<void> => {
    const r = parseCtlsockRequest(line);
    if (!r.ok) {
      send({ id: r.id, error: r.error });
      return;
    }
    const { id, params } = r;
    if (!Object.prototype.hasOwnProperty.call(handlers, r.method) || typeof handlers[r.method] !== 'function') {
      send({ id, error: `unknown method ${JSON.stringify(r.method.slice(0, 64))}` });
      return;
    }
    try {
      const result = await handlers[r.method](params);
      send({ id, result: result === undefined ? null : result });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      send({ id, error: oneLine(msg) || 'internal error' });
    }
  };

  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    while (queue.length > 0 && !dead) {
      const line = queue.shift() as string;
      await handle(line);
      if (queue.length < lim.maxQueued && sock.isPaused()) sock.resume();
    }
    busy = false;
  };

  sock.setTimeout(lim.idleMs, () => {
    if (busy) return; // a request is in progress; its answer counts as activity
    kill();
  });
  sock.on('error', () => undefined);
  sock.on('data', (chunk: Buffer) => {
    if (dead) return;
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let nl: number;
    while ((nl = pending.indexOf(0x0a)) >= 0) {
      if (nl > lim.maxLine) return refuse(`request line too long (max ${lim.maxLine} bytes)`);
      let line = pending.subarray(0, nl).toString('utf8');
      pending = pending.subarray(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.trim() === '') continue;
      queue.push(line);
    }
    if (pending.length > lim.maxLine) return refuse(`request line too long (max ${lim.maxLine} bytes)`);
    if (queue.length >= lim.maxQueued) sock.pause();
    void pump();
  });
}
