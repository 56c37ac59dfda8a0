// Control socket: JSON-lines request/response, limits, socket file handling, client errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startCtlsockServer } from '../../src/daemon/ctlsock-server';
import { CtlsockError, callCtlsock } from '../../src/ipc/ctlsock-client';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bh-sock-'));
}

/** A raw client that collects answer lines. */
function rawClient(sockPath: string): Promise<{ sock: net.Socket; lines: string[]; closed: Promise<void>; next(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(sockPath);
    const lines: string[] = [];
    const waiters: Array<(l: string) => void> = [];
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const w = waiters.shift();
        if (w) w(l);
        else lines.push(l);
      }
    });
    sock.on('error', () => undefined);
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    const next = (): Promise<string> => (lines.length ? Promise.resolve(lines.shift() as string) : new Promise((r) => waiters.push(r)));
    sock.once('connect', () => resolve({ sock, lines, closed, next }));
    sock.once('error', reject);
  });
}

test('request/response, params, handler errors, unknown method, bad requests', async () => {
  const dir = tmpDir();
  const p = path.join(dir, 'bridgehead.sock');
  const server = await startCtlsockServer(p, {
    status: () => ({ ok: true }),
    echo: async (params) => params,
    nothing: () => undefined,
    fail: () => {
      throw new Error('no such peer\nsecond line');
    },
  });
  try {
    assert.deepEqual(await callCtlsock(p, 'status', {}, 2000), { ok: true });
    assert.deepEqual(await callCtlsock(p, 'echo', { a: [1, 2] }, 2000), { a: [1, 2] });
    assert.equal(await callCtlsock(p, 'nothing', {}, 2000), null);
    await assert.rejects(callCtlsock(p, 'fail', {}, 2000), (e: unknown) => e instanceof CtlsockError && e.kind === 'remote' && e.message === 'no such peer second line');
    await assert.rejects(callCtlsock(p, 'nope', {}, 2000), (e: unknown) => e instanceof CtlsockError && e.message === 'unknown method "nope"');
    await assert.rejects(callCtlsock(p, 'toString', {}, 2000), /unknown method "toString"/, 'prototype methods are not handlers');
    await assert.rejects(callCtlsock(p, 'echo', [1], 2000), /"params" must be a JSON object/);

    const c = await rawClient(p);
    c.sock.write('not json\n');
    assert.deepEqual(JSON.parse(await c.next()), { id: null, error: 'request is not valid JSON' });
    c.sock.write('{"method":"status"}\n');
    assert.deepEqual(JSON.parse(await c.next()), { id: null, error: 'request "id" must be a number' });
    c.sock.write('{"id":7,"method":""}\n');
    assert.deepEqual(JSON.parse(await c.next()), { id: 7, error: 'request "method" must be a non-empty string' });
    // Several requests in one write (and CRLF) are answered in order on the same connection.
    c.sock.write('{"id":1,"method":"echo","params":{"n":1}}\r\n{"id":2,"method":"status"}\n\n{"id":3,"method":"echo","params":{"n":3}}\n');
    assert.deepEqual(JSON.parse(await c.next()), { id: 1, result: { n: 1 } });
    assert.deepEqual(JSON.parse(await c.next()), { id: 2, result: { ok: true } });
    assert.deepEqual(JSON.parse(await c.next()), { id: 3, result: { n: 3 } });
    c.sock.destroy();
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('socket file is 0600, the umask is restored, close() removes the file', async () => {
  const dir = tmpDir();
  const p = path.join(dir, 'bridgehead.sock');
  const before = process.umask();
  const server = await startCtlsockServer(p, {});
  try {
    assert.equal(process.umask(), before);
    const st = fs.statSync(p);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
  } finally {
    await server.close();
  }
  assert.equal(fs.existsSync(p), false);
  await server.close(); // idempotent
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an oversize request line gets an error and the connection is closed', async () => {
  const dir = tmpDir();
  const p = path.join(dir, 'bridgehead.sock');
  const server = await startCtlsockServer(p, { echo: (x) => x });
  try {
    // Without a newline: the buffered partial line exceeds the bound.
    const c = await rawClient(p);
    c.sock.write(`{"id":1,"method":"echo","params":{"s":"${'x'.repeat(70 * 1024)}`);
    assert.deepEqual(JSON.parse(await c.next()), { id: null, error: 'request line too long (max 65536 bytes)' });
    await c.closed;
    // With a newline in the same chunk.
    const d = await rawClient(p);
    d.sock.write(`${'y'.repeat(65 * 1024)}\n`);
    assert.match(await d.next(), /request line too long/);
    await d.closed;
    // Just below the bound works.
    const s = 'z'.repeat(60 * 1024);
    assert.deepEqual(await callCtlsock(p, 'echo', { s }, 2000), { s });
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('at most 16 concurrent clients; the 17th gets an error line; slots are freed', async () => {
  const dir = tmpDir();
  const p = path.join(dir, 'bridgehead.sock');
  const server = await startCtlsockServer(p, { status: () => 'ok' });
  const clients: Array<Awaited<ReturnType<typeof rawClient>>> = [];
  try {
    for (let i = 0; i < 16; i++) {
      const c = await rawClient(p);
      c.sock.write(`{"id":${i},"method":"status"}\n`);
      assert.deepEqual(JSON.parse(await c.next()), { id: i, result: 'ok' });
      clients.push(c);
    }
    const extra = await rawClient(p);
    assert.deepEqual(JSON.parse(await extra.next()), { id: null, error: 'too many control clients (max 16)' });
    await extra.closed;
    await assert.rejects(callCtlsock(p, 'status', {}, 2000), /too many control clients/);
    const first = clients.shift();
    first?.sock.destroy();
    await first?.closed;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await callCtlsock(p, 'status', {}, 2000), 'ok');
  } finally {
    for (const c of clients) c.sock.destroy();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('idle clients are disconnected', async () => {
  const dir = tmpDir();
  const p = path.join(dir, 'bridgehead.sock');
  const server = await startCtlsockServer(p, {}, { idleTimeoutMs: 100 });
  try {
    const c = await rawClient(p);
    const t0 = Date.now();
    await c.closed;
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale socket file is replaced; a live daemon or a regular file is not', async () => {
  const dir = tmpDir();
  const p = path.join(dir, 'bridgehead.sock');
  try {
    // A process that listened and died without cleaning up leaves a stale socket file.
    const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(p)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(fs.statSync(p).isSocket());
    await assert.rejects(callCtlsock(p, 'status', {}, 1000), (e: unknown) => e instanceof CtlsockError && e.kind === 'not-running' && e.message === `daemon not running (stale control socket at ${p})`);

    const a = await startCtlsockServer(p, { status: () => 'a' });
    assert.equal(await callCtlsock(p, 'status', {}, 2000), 'a');
    await assert.rejects(startCtlsockServer(p, { status: () => 'b' }), (e: unknown) => e instanceof Error && e.message === `another bridgehead daemon is already running (it answers on ${p})`);
    assert.equal(await callCtlsock(p, 'status', {}, 2000), 'a', 'the first server still owns the socket');
    await a.close();

    fs.writeFileSync(p, 'precious');
    await assert.rejects(startCtlsockServer(p, {}), /exists and is not a socket; refusing to replace it/);
    assert.equal(fs.readFileSync(p, 'utf8'), 'precious');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('client errors: no daemon, timeout, too-long path, permission denied', async () => {
  const dir = tmpDir();
  const p = path.join(dir, 'bridgehead.sock');
  try {
    await assert.rejects(callCtlsock(p, 'status', {}, 1000), (e: unknown) => e instanceof CtlsockError && e.kind === 'not-running' && e.message === `daemon not running (no control socket at ${p})`);
    await assert.rejects(callCtlsock(path.join(dir, 'missing-dir', 'x.sock'), 'status', {}, 1000), /daemon not running \(no control socket at /);
    const long = path.join(dir, 'x'.repeat(120), 'bridgehead.sock');
    await assert.rejects(callCtlsock(long, 'status', {}, 1000), /control socket path too long/);
    await assert.rejects(startCtlsockServer(long, {}), /control socket path too long/);

    // A server that accepts but never answers.
    const muted = new Set<net.Socket>();
    const mute = net.createServer((s) => {
      muted.add(s);
      s.resume();
    });
    await new Promise<void>((r) => mute.listen(p, () => r()));
    const t0 = Date.now();
    await assert.rejects(callCtlsock(p, 'status', {}, 200), (e: unknown) => e instanceof CtlsockError && e.kind === 'timeout' && e.message.startsWith(`no answer from the daemon on ${p}`));
    assert.ok(Date.now() - t0 < 2000);
    for (const s of muted) s.destroy();
    await new Promise<void>((r) => mute.close(() => r()));

    // Permission denied: as root, ask as an unprivileged user (the 0700 directory stops it);
    // otherwise take the permission away from the socket file itself.
    const server = await startCtlsockServer(p, { status: () => 'ok' });
    try {
      if (process.getuid && process.getuid() === 0) {
        const code = `require(${JSON.stringify(path.resolve(__dirname, '../../src/ipc/ctlsock-client.js'))}).callCtlsock(${JSON.stringify(p)}, 'status', {}, 2000).then(() => console.log('ok'), (e) => console.log(e.kind + '|' + e.message))`;
        const out = await new Promise<string>((resolve) => {
          const ch = spawn(process.execPath, ['-e', code], { uid: 65534, gid: 65534, cwd: '/' });
          let s = '';
          ch.stdout.on('data', (d) => (s += d));
          ch.on('close', () => resolve(s.trim()));
        });
        assert.equal(out, `permission|permission denied on ${p}`);
      } else {
        fs.chmodSync(p, 0o000);
        await assert.rejects(callCtlsock(p, 'status', {}, 1000), (e: unknown) => e instanceof CtlsockError && e.message === `permission denied on ${p}`);
      }
    } finally {
      await server.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a handler that is slow is not cut off by the idle timeout; answers keep request ids', async () => {
  const dir = tmpDir();
  const p = path.join(dir, 'bridgehead.sock');
  const server = await startCtlsockServer(p, { slow: () => new Promise((r) => setTimeout(() => r('done'), 300)) }, { idleTimeoutMs: 100 });
  try {
    assert.equal(await callCtlsock(p, 'slow', {}, 2000), 'done');
    const results = await Promise.all([1, 2, 3].map(() => callCtlsock(p, 'slow', {}, 2000)));
    assert.deepEqual(results, ['done', 'done', 'done']);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
