// The HTTP listener for GET /metrics (Prometheus text format). Bounded so that a slow or hostile
// client cannot hurt the daemon:
//   - at most MAX_CONNECTIONS sockets at once (Node closes the next ones at accept);
//   - headers within 5 s, the whole request within 10 s, idle keep-alive sockets closed after 5 s,
//     request headers at most 8 KiB, no request body read;
//   - one collection at a time, and at most one per minIntervalMs: a flood of scrapes is answered
//     from the last rendered text instead of walking the data plane again;
//   - a collection that does not finish within renderTimeoutMs answers 503.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const MAX_CONNECTIONS = 16;
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const MAX_HEADER_BYTES = 8 * 1024;

export interface MetricsServerOptions {
  listen: { address: string; port: number };
  contentType: string;
  render: () => Promise<string>;
  /** reuse the last text for scrapes closer together than this (default 1000 ms; 0 = never) */
  minIntervalMs?: number;
  renderTimeoutMs?: number;
  onError?: (err: Error) => void;
}

export interface MetricsServer { readonly port: number; close(): Promise<void> }

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const minInterval = o.minIntervalMs ?? 1000;
  const timeout = o.renderTimeoutMs ?? 5000;
  let last: { text: string; atMs: number } | null = null;
  let inFlight: Promise<string> | null = null;

  const collect = (): Promise<string> => {
    const now = Date.now();
    if (last && now - last.atMs < minInterval) return Promise.resolve(last.text);
    if (!inFlight) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`collection took longer than ${timeout} ms`)), timeout);
      });
      inFlight = Promise.race([o.render(), expired]).then((text) => {
        last = { text, atMs: Date.now() };
        return text;
      }).finally(() => { clearTimeout(timer); inFlight = null; });
    }
    return inFlight;
  };

  // connectionsCheckingInterval: how often the header/request timeouts are enforced (Node's default 30 s)
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, connectionsCheckingInterval: 1000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('bridgehead: metrics are at /metrics\n');
      return;
    }
    collect().then((text) => {
      res.writeHead(200, { 'Content-Type': o.contentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    }, (err: Error) => {
      o.onError?.(err);
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`bridgehead: ${err.message}\n`);
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.setTimeout(REQUEST_TIMEOUT_MS, (socket) => socket.destroy());
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException): void => {
      const where = o.listen.address.includes(':') ? `[${o.listen.address}]:${o.listen.port}` : `${o.listen.address}:${o.listen.port}`;
      reject(new Error(`cannot serve metrics on ${where}: ${e.code ?? e.message}`));
    };
    server.once('error', fail);
    server.listen({ host: o.listen.address, port: o.listen.port, exclusive: true }, () => {
      server.off('error', fail);
      resolve();
    });
  });
  server.on('error', (e) => o.onError?.(e));

  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
