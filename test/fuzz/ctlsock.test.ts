// Fuzz: the local control socket. parseCtlsockRequest takes any line and gives a request or the
// one-line error sent back; and a live server, fed random byte streams in random chunks,
// answers every complete line with exactly one JSON line and keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseCtlsockRequest } from '../../src/daemon/ctlsock-request';
import { callCtlsock } from '../../src/ipc/ctlsock-client';
import { startCtlsockServer } from '../../src/daemon/ctlsock-server';
import { byteEdits, fcParams, fuzzRuns, jsonEdits, mutateBytes, mutateJson, readSeed } from './fuzz-helpers';

const SEEDS = readSeed('ctlsock-requests.jsonl').trim().split('\n');

function checkLine(line: string): void {
  let r: ReturnType<typeof parseCtlsockRequest>;
  try {
    r = parseCtlsockRequest(line);
  } catch (e) {
    assert.fail(`parseCtlsockRequest threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  if (r.ok) {
    assert.ok(Number.isFinite(r.id) && r.method.length > 0 && typeof r.params === 'object' && !Array.isArray(r.params));
  } else {
    assert.ok(r.error.length > 0 && !/[\r\n]/.test(r.error));
    assert.ok(r.id === null || Number.isFinite(r.id));
  }
}

/** Request lines put together from JSON tokens (1e999 parses to Infinity, which no edit of a
 *  parsed value can produce). */
const tokenLine = fc.record({
  id: fc.constantFrom('1', '1e999', '-1e999', '0', '-0', '1.5', '"1"', 'null', 'true', '[]', '{}'),
  method: fc.constantFrom('"status"', '""', '1', 'null', '"x"', '["status"]', '"__proto__"', '"constructor"'),
  params: fc.constantFrom('{}', '[]', 'null', '1', '"s"', '{"a":1e999}', '{"__proto__":{"x":1}}', ''),
}).map(({ id, method, params }) => `{"id":${id},"method":${method}${params ? `,"params":${params}` : ''}}`);

test('fuzz control socket: the request parser takes any line', () => {
  for (const s of SEEDS) assert.ok(parseCtlsockRequest(s).ok, s);
  fc.assert(fc.property(fc.oneof(
    tokenLine,
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.tuple(fc.constantFrom(...SEEDS), byteEdits).map(([s, e]) => Buffer.from(mutateBytes(Buffer.from(s), e)).toString('utf8')),
    fc.tuple(fc.constantFrom(...SEEDS), jsonEdits).map(([s, e]) => JSON.stringify(mutateJson(JSON.parse(s), e)) ?? ''),
  ), checkLine), fcParams());
});

/** Sends `data` in chunks, half-closes, returns every line the server wrote. */
function exchange(sockPath: string, chunks: Buffer[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(sockPath);
    let got = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error('server did not answer within 5 s')); }, 5000);
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
      s.end();
    });
    s.on('data', (d) => { got += d.toString('utf8'); });
    s.on('error', () => undefined);
    s.on('close', () => { clearTimeout(timer); resolve(got.split('\n').filter((l) => l !== '')); });
  });
}

test('fuzz control socket: a live server answers random streams line by line and keeps serving', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-fuzz-sock-'));
  const sockPath = path.join(dir, 's.sock');
  const server = await startCtlsockServer(sockPath, { echo: (p) => p, status: () => ({ up: true }) }, { maxLineBytes: 4096 });
  try {
    const line = fc.oneof(
      fc.constantFrom(...SEEDS),
      fc.constant('{"id":1,"method":"echo","params":{"a":[1,2]}}'),
      fc.string({ unit: 'binary', maxLength: 100 }).map((s) => s.replace(/\n/g, ' ')),
      fc.tuple(fc.constantFrom(...SEEDS), jsonEdits).map(([s, e]) => (JSON.stringify(mutateJson(JSON.parse(s), e)) ?? '').replace(/\n/g, ' ')),
    );
    await fc.assert(fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
      async (lines, cuts) => {
        const data = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < data.length; i++) {
          const n = cuts[i % cuts.length];
          chunks.push(data.subarray(at, at + n));
          at += n;
        }
        const answers = await exchange(sockPath, chunks);
        const expected = lines.filter((l) => l.replace(/\r$/, '').trim() !== '').length;
        assert.equal(answers.length, expected, `answers to ${JSON.stringify(lines)}`);
        for (const a of answers) {
          const m = JSON.parse(a) as { id: unknown; result?: unknown; error?: unknown };
          assert.ok('result' in m || typeof m.error === 'string', a);
        }
      }), fcParams(Math.max(20, Math.floor(fuzzRuns() / 100))));
    assert.deepEqual(await callCtlsock(sockPath, 'status'), { up: true }); // still serving
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
