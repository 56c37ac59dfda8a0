// MemoryTrim: trims once per interval from the first tick on, never with 0, counts what it did;
// and the status snapshot's process memory figures.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MemoryTrim, fullGc } from '../../src/daemon/memory-trim';
import { loadDataPlane } from '../../src/dataplane/native';

test('trims every everyS seconds of ticks, not before; 0 never trims', () => {
  let calls = 0;
  let gcs = 0;
  const m = new MemoryTrim(() => { calls++; return calls % 2 === 1; }, 60, () => { gcs++; });
  for (let t = 0; t <= 180_000; t += 250) m.tick(1_000 + t);
  assert.equal(calls, 3, 'at 60, 120 and 180 s after the first tick');
  assert.equal(m.trims, 3);
  assert.equal(m.released, 2);
  assert.equal(gcs, 3, "a full GC before each trim");
  const off = new MemoryTrim(() => { throw new Error('must not trim'); }, 0);
  for (let t = 0; t < 600_000; t += 1000) off.tick(t);
  assert.throws(() => new MemoryTrim(() => true, -1), /everyS must be an integer >= 0/);
});

test('the addon exports trimMemory (glibc malloc_trim)', () => {
  const native = loadDataPlane();
  assert.equal(typeof native.trimMemory(), 'boolean');
});

test('status memory: the process\'s rss and V8 heap figures in bytes', async () => {
  const { processMemory } = await import('../../src/daemon/status');
  const m = processMemory();
  assert.deepEqual(Object.keys(m), ['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers']);
  assert.ok(m.rss > 10 * 1024 * 1024 && m.heapUsed > 0 && m.heapUsed <= m.heapTotal, JSON.stringify(m));
  assert.ok(m.arrayBuffers <= m.external, JSON.stringify(m));
});

test('fullGc: a callable full collection that frees what is unreachable', () => {
  const gc = fullGc();
  let junk: object[] | null = Array.from({ length: 200_000 }, (_, i) => ({ i }));
  const withJunk = process.memoryUsage().heapUsed;
  junk = null;
  gc();
  assert.equal(junk, null);
  assert.ok(process.memoryUsage().heapUsed < withJunk - 4 * 1024 * 1024, 'the 200k objects are gone');
});
