// Unit tests of the WAN emulator's pure scheduling core (scripts/wan-emu-core.ts). No root, no sockets.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { WanEmuCore, Rng, Scheduled } from '../../scripts/wan-emu-core';

/** Drive the core with a fake clock: offer `n` packets `gapMs` apart, then drain. */
function run(core: WanEmuCore<number>, n: number, gapMs: number, size = 100, dir: 'up' | 'down' = 'up') {
  const out: Array<Scheduled<number> & { takenAt: number }> = [];
  const drain = (t: number) => { for (const p of core.takeDue(t)) out.push({ ...p, takenAt: t }); };
  for (let i = 0; i < n; i++) { const t = i * gapMs; drain(t); core.offer(dir, i, size, t); drain(t); }
  for (let next = core.nextDueMs(); next !== null; next = core.nextDueMs()) drain(next);
  return out;
}

describe('wan-emu core', () => {
  it('Rng is deterministic per seed and uniform-ish', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xs = Array.from({ length: 1000 }, () => a.next());
    assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
    assert.notDeepEqual(xs, Array.from({ length: 1000 }, () => c.next()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  });

  it('with no impairment, delivers everything at once, in order', () => {
    const core = new WanEmuCore<number>({}, 1);
    core.offer('up', 1, 10, 5);
    core.offer('down', 2, 10, 5);
    assert.equal(core.nextDueMs(), 5);
    assert.deepEqual(core.takeDue(5).map((p) => p.data), [1, 2]);
    assert.equal(core.nextDueMs(), null);
  });

  it('delays every packet by delayMs and keeps order', () => {
    const out = run(new WanEmuCore<number>({ delayMs: 30 }, 1), 50, 1);
    assert.equal(out.length, 50);
    out.forEach((p, i) => { assert.equal(p.data, i); assert.equal(p.atMs, i + 30); });
  });

  it('jitter stays within +/- jitterMs and never reorders on its own', () => {
    const core = new WanEmuCore<number>({ delayMs: 50, jitterMs: 10 }, 7);
    const out = run(core, 2000, 0.5);
    assert.equal(out.length, 2000);
    let prev = -Infinity;
    out.forEach((p, i) => {
      assert.equal(p.data, i, 'FIFO order kept');
      assert.ok(p.atMs >= prev);
      prev = p.atMs;
      // Dense traffic: FIFO pushes a packet behind its predecessor, never beyond delay + jitter.
      const d = p.atMs - i * 0.5;
      assert.ok(d >= 40 - 1e-9 && d <= 60 + 1e-9, `delay ${d} outside 50 +/- 10`);
    });
    // Spaced-out packets (no FIFO interaction) stay below delay + jitter.
    const spaced = run(new WanEmuCore<number>({ delayMs: 50, jitterMs: 10 }, 9), 500, 25);
    spaced.forEach((p, i) => {
      const d = p.atMs - i * 25;
      assert.ok(d >= 40 - 1e-9 && d <= 60 + 1e-9, `delay ${d} outside 50 +/- 10`);
    });
    const ds = spaced.map((p, i) => p.atMs - i * 25);
    assert.ok(Math.max(...ds) - Math.min(...ds) > 15, 'jitter actually varies');
  });

  it('loss drops about lossPct, reproducibly with a seed', () => {
    const a = run(new WanEmuCore<number>({ lossPct: 10 }, 123), 10000, 1);
    const b = run(new WanEmuCore<number>({ lossPct: 10 }, 123), 10000, 1);
    const c = run(new WanEmuCore<number>({ lossPct: 10 }, 124), 10000, 1);
    assert.deepEqual(a.map((p) => p.data), b.map((p) => p.data), 'same seed, same losses');
    assert.notDeepEqual(a.map((p) => p.data), c.map((p) => p.data), 'other seed, other losses');
    const lost = 10000 - a.length;
    assert.ok(lost > 850 && lost < 1150, `lost ${lost} of 10000 at 10%`);
    const core = new WanEmuCore<number>({ lossPct: 100 }, 1);
    assert.equal(run(core, 100, 1).length, 0);
    assert.equal(core.counters.up.lost, 100);
  });

  it('duplicates about dupPct, both copies delivered together', () => {
    const core = new WanEmuCore<number>({ dupPct: 20, delayMs: 5 }, 5);
    const out = run(core, 5000, 1);
    const dups = out.length - 5000;
    assert.equal(core.counters.up.duplicated, dups);
    assert.ok(dups > 850 && dups < 1150, `dups ${dups} of 5000 at 20%`);
    for (let i = 1; i < out.length; i++) {
      if (out[i].data === out[i - 1].data) assert.equal(out[i].atMs, out[i - 1].atMs);
    }
    assert.equal(core.counters.up.txPackets, out.length);
  });

  it('reorder holds packets back so that later ones overtake them', () => {
    const core = new WanEmuCore<number>({ reorderPct: 10, reorderGapMs: 20, delayMs: 10 }, 11);
    const out = run(core, 2000, 1);
    assert.equal(out.length, 2000, 'nothing lost');
    const r = core.counters.up.reordered;
    assert.ok(r > 150 && r < 250, `reordered ${r} of 2000 at 10%`);
    let inversions = 0;
    for (let i = 1; i < out.length; i++) if (out[i].data < out[i - 1].data) inversions++;
    assert.ok(inversions > 0.5 * r, `out-of-order deliveries ${inversions}`);
    const again = run(new WanEmuCore<number>({ reorderPct: 10, reorderGapMs: 20, delayMs: 10 }, 11), 2000, 1);
    assert.deepEqual(again.map((p) => p.data), out.map((p) => p.data), 'reproducible');
  });

  it('bounds the queue per direction: drops and counts when full', () => {
    const core = new WanEmuCore<number>({ delayMs: 100, maxQueue: 5 }, 1);
    for (let i = 0; i < 10; i++) core.offer('up', i, 100, 0);
    for (let i = 0; i < 3; i++) core.offer('down', i, 100, 0);
    assert.equal(core.pending('up'), 5);
    assert.equal(core.pending('down'), 3);
    assert.equal(core.counters.up.queueDrops, 5);
    assert.equal(core.counters.up.maxQueued, 5);
    assert.deepEqual(core.takeDue(99), []);
    const out = core.takeDue(100);
    assert.deepEqual(out.filter((p) => p.dir === 'up').map((p) => p.data), [0, 1, 2, 3, 4]);
    assert.equal(core.pending(), 0);
    core.offer('up', 99, 100, 100);   // room again after the drain
    assert.equal(core.pending('up'), 1);
  });

  it('rate: the token bucket spaces packets at size/rate after the burst', () => {
    // 1 Mbit/s = 125 bytes/ms: a 1250-byte packet takes 10 ms; burst = one packet.
    const core = new WanEmuCore<number>({ rateMbit: 1, burstBytes: 1250 }, 1);
    for (let i = 0; i < 5; i++) core.offer('up', i, 1250, 0);
    const times: number[] = [];
    for (let next = core.nextDueMs(); next !== null; next = core.nextDueMs()) {
      for (const p of core.takeDue(next)) times.push(p.atMs);
    }
    times.forEach((t, i) => assert.ok(Math.abs(t - i * 10) < 1e-6, `packet ${i} at ${t}`));
    // Idle time refills the bucket (capped at the burst).
    core.offer('up', 9, 1250, 1000);
    assert.equal(core.nextDueMs(), 1000);
    // Long-run throughput equals the rate.
    const c2 = new WanEmuCore<number>({ rateMbit: 8, burstBytes: 3000 }, 1);   // 1000 bytes/ms
    const out = run(c2, 1000, 0.1, 1000);
    const last = out[out.length - 1].atMs;
    assert.ok(Math.abs(last - 997) < 2, `1000 x 1000 B at 8 Mbit/s end at ${last} ms`);
  });

  it('directions are independent', () => {
    const core = new WanEmuCore<number>({ rateMbit: 1, burstBytes: 1250, maxQueue: 2 }, 1);
    core.offer('up', 1, 1250, 0); core.offer('up', 2, 1250, 0); core.offer('up', 3, 1250, 0);
    core.offer('down', 4, 1250, 0);
    assert.equal(core.counters.up.queueDrops, 1);
    assert.equal(core.counters.down.queueDrops, 0);
    assert.deepEqual(core.takeDue(0).map((p) => p.data), [1, 4]);
  });

  it('rejects bad parameters with a clear message', () => {
    assert.throws(() => new WanEmuCore({ lossPct: 101 }, 1), /loss 101/);
    assert.throws(() => new WanEmuCore({ maxQueue: 0 }, 1), /maxQueue 0/);
    assert.throws(() => new WanEmuCore({ delayMs: -1 }, 1), /delayMs -1/);
  });
});
