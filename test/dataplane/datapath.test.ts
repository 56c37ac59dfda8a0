// Tier 2: the light path and the pipeline (native/io/dp_path.h, docs/INTERNALS.md 2f). Every TAP
// frame is sent by exactly one of the two paths (txLightFrames / txPipelineFrames), frames arrive
// complete and in order whichever path carries them, across forced switches under traffic, and in
// 'auto' a burst enters the pipeline and silence brings the light path back (pathToPipeline /
// pathToLight). Socketpair "TAPs" over 127.0.0.1, no root; nothing here asserts a duration.
// Each test runs with both TAP readers (options.tapReader): io_uring chains and the read() loop.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';

import { Pair, frame, mac, makeNode, makePair, readFrames, sleep, waitFor } from './harness';
import type { DataPlane } from '../../src/dataplane/types';

const H1 = mac(0x11);
const H2 = mac(0x12);
const CHUNK = 8; // AF_UNIX datagram queues are short: read as we go

/** A frame H1 -> H2 carrying sequence number seq (bytes 14..17) and a size that varies with it. */
function seqFrame(seq: number): Buffer {
  const f = frame(H2, H1, 60 + ((seq * 37) % 1400), seq);
  f.writeUInt32BE(seq, 14);
  return f;
}

function counters(dp: DataPlane) {
  const g = dp.stats().global;
  return { light: g.txLightFrames, pipeline: g.txPipelineFrames, tapRx: g.tapRxFrames, toPipe: g.pathToPipeline, toLight: g.pathToLight };
}

/** The counters once done(counters) holds (bounded wait; the caller's asserts then judge them). */
async function settled(dp: DataPlane, done: (c: ReturnType<typeof counters>) => boolean) {
  await waitFor(() => done(counters(dp)), 'the sender counted every frame', 2000).catch(() => undefined);
  return counters(dp);
}

/** Sends frames [from, to) A -> B in chunks, calling between(chunkIndex) before each chunk; checks order and loss. */
function pump(p: Pair, from: number, to: number, between: (k: number) => void = () => undefined): void {
  for (let s = from, k = 0; s < to; s += CHUNK, k++) {
    between(k);
    const n = Math.min(CHUNK, to - s);
    for (let i = 0; i < n; i++) p.a.dp.testWriteFrame(seqFrame(s + i));
    const got = readFrames(p.b.dp, n, 2000);
    assert.equal(got.length, n, `frames ${s}..${s + n - 1}: ${n - got.length} lost`);
    got.forEach((g, i) => assert.equal(g.readUInt32BE(14), s + i, `frame ${s + i} out of order (got ${g.readUInt32BE(14)})`));
    got.forEach((g, i) => assert.deepEqual(g, seqFrame(s + i), `frame ${s + i} differs`));
  }
}

for (const tapReader of ['io_uring', 'read'] as const) describe(`data path: light path and pipeline (tapReader ${tapReader})`, () => {
  const pairs: Pair[] = [];
  after(() => pairs.forEach((p) => p.close()));
  const open = async (opts: Parameters<typeof makePair>[0]) => {
    const p = await makePair({ ...opts, tapReader });
    pairs.push(p);
    // B learns H2 as local and A learns it behind peer 1, so A's frames are unicast
    p.b.dp.testWriteFrame(frame(H1, H2, 60, 99));
    assert.ok(readFrames(p.a.dp, 1, 2000).length === 1, 'B -> A learning frame');
    return p;
  };

  test("forced 'light': the receive thread sends every TAP frame, in order", async () => {
    const p = await open({ dataPath: 'light' });
    const c0 = counters(p.a.dp);
    pump(p, 0, 200);
    // the sender counts a frame after its send returns, so B may hold the last chunk first
    const c1 = await settled(p.a.dp, (c) => c.light + c.pipeline - c0.light - c0.pipeline >= 200);
    assert.equal(c1.tapRx - c0.tapRx, 200);
    assert.equal(c1.light - c0.light, 200, 'every frame on the light path');
    assert.equal(c1.pipeline - c0.pipeline, 0, 'none through the TX thread');
    assert.equal(c1.toPipe + c1.toLight, 0, 'a forced path does not count automatic switches');
  });

  test("forced 'pipeline': the TX thread sends every TAP frame (main's two-thread layout)", async () => {
    const p = await open({ dataPath: 'pipeline' });
    const c0 = counters(p.a.dp);
    pump(p, 0, 200);
    const c1 = await settled(p.a.dp, (c) => c.light + c.pipeline - c0.light - c0.pipeline >= 200);
    assert.equal(c1.pipeline - c0.pipeline, 200, 'every frame through the TX thread');
    assert.equal(c1.light - c0.light, 0, 'A received nothing, so no inline drain either');
  });

  test('switching the path under traffic keeps every frame and its order', async () => {
    const p = await open({ dataPath: 'auto' });
    const paths = ['light', 'pipeline', 'auto', 'pipeline', 'light'] as const;
    const c0 = counters(p.a.dp);
    // switch before every chunk, and once more while a chunk is queued on the TAP
    pump(p, 0, 2000, (k) => {
      p.a.dp.setDataPath(paths[k % paths.length]);
      if (k % 3 === 0) {
        p.a.dp.testWriteFrame(seqFrame(1_000_000 + k)); // an extra frame straddling the switch
        p.a.dp.setDataPath(paths[(k + 1) % paths.length]);
        const got = readFrames(p.b.dp, 1, 2000);
        assert.equal(got.length, 1, `straddling frame ${k} lost`);
        assert.equal(got[0].readUInt32BE(14), 1_000_000 + k);
      }
    });
    const c1 = await settled(p.a.dp, (c) => c.light + c.pipeline - c0.light - c0.pipeline >= c.tapRx - c0.tapRx);
    const sent = c1.tapRx - c0.tapRx;
    assert.equal(c1.light - c0.light + (c1.pipeline - c0.pipeline), sent, 'each TAP frame sent by exactly one path');
    assert.ok(c1.light > c0.light && c1.pipeline > c0.pipeline, `both paths ran (light ${c1.light - c0.light}, pipeline ${c1.pipeline - c0.pipeline})`);
  });

  test("'auto': a burst enters the pipeline, silence returns to the light path, nothing lost", async () => {
    const p = await open({ dataPath: 'auto', pipelineBatch: 2 });
    const c0 = counters(p.a.dp);
    assert.equal(c0.toPipe, 0);
    pump(p, 0, 16); // single frames at first: read one at a time or in small batches
    // bursts until one TAP batch holds >= 2 frames (bounded by count, not by time)
    let seq = 16;
    for (let burst = 0; burst < 200 && counters(p.a.dp).toPipe === 0; burst++, seq += 64) pump(p, seq, seq + 64);
    const c1 = counters(p.a.dp);
    assert.ok(c1.toPipe >= 1, 'a burst switched to the pipeline');
    pump(p, seq, seq + 64);
    seq += 64;
    // no traffic: the TX thread hands the TAP back after the dwell time (200 ms)
    await waitFor(() => counters(p.a.dp).toLight >= 1, 'the light path is back', 5000);
    await sleep(20);
    const c2 = counters(p.a.dp);
    pump(p, seq, seq + 1); // one frame: read by the receive thread again
    const c3 = await settled(p.a.dp, (c) => c.light + c.pipeline - c2.light - c2.pipeline >= 1);
    assert.equal(c3.light - c2.light, 1, 'a single frame after the switch back takes the light path');
    assert.equal(c3.tapRx - c0.tapRx, c3.light - c0.light + (c3.pipeline - c0.pipeline), 'each TAP frame sent by exactly one path');
  });

  test('the fair-queued transmit path keeps its reader thread whatever dataPath says', async () => {
    const p = await open({ dataPath: 'light', ...({ fq: true } as object) });
    const c0 = counters(p.a.dp);
    pump(p, 0, 64);
    const c1 = counters(p.a.dp);
    assert.equal(c1.light - c0.light, 0, 'no light path with the fair queue');
  });

  test('bad dataPath / pipelineBatch / busyPollUs values throw one clear error', () => {
    assert.throws(() => makeNode({ dataPath: 'fast' as 'auto' }), /dataPath.*'auto', 'light' or 'pipeline'/);
    assert.throws(() => makeNode({ tapReader: 'uring' as 'auto' }), /^RangeError: options\.tapReader: expected 'auto', 'io_uring' or 'read', got 'uring'$/);
    assert.throws(() => makeNode({ pipelineBatch: 1 }), /pipelineBatch/);
    assert.throws(() => makeNode({ busyPollUs: 20001 }), /busyPollUs/);
  });

  test(`the reader asked for is the one that ran (${tapReader})`, () => {
    assert.ok(pairs.length >= 4);
    for (const p of pairs) {
      const g = p.a.dp.stats().global;
      assert.equal(g.tapReaderIoUring, tapReader === 'io_uring' ? 1 : 0);
      if (tapReader === 'io_uring') {
        assert.equal(g.tapUringFrames, g.tapRxFrames, 'io_uring read every TAP frame');
        assert.ok(g.tapUringSubmits > 0);
      } else assert.equal(g.tapUringSubmits, 0, "'read' never submits");
    }
  });
});
