// Periodic memory trim of the daemon (once a minute, BRIDGEHEAD_MEMORY_TRIM_S): a full V8 garbage
// collection, then glibc malloc_trim (native trimMemory). Measured over a 30-minute soak
// (docs/BENCHMARKS.md): the JS live set stays flat, but V8 postpones major collections while the
// old generation is below its limit, so heapUsed and heapTotal (dead objects awaiting a major GC)
// and with them RSS grew linearly, +12-13 % in 30 min; and glibc keeps the freed pages of each
// thread's malloc arena (V8's compiler and GC workers) resident at that thread's high-water mark.
// A full collection of this ~10 MB heap takes a few ms on the control thread, which carries no
// packets (the data plane is native); malloc_trim walks the arenas briefly under their locks.

import * as v8 from 'node:v8';
import * as vm from 'node:vm';

export const MEMORY_TRIM_DEFAULT_S = 60;

/** V8's full collection, made callable at run time (as `node --expose-gc` would). */
export function fullGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

export class MemoryTrim {
  private lastMs: number | null = null;
  trims = 0;
  released = 0;
  maxGcMs = 0;

  /** everyS 0 = never (BRIDGEHEAD_MEMORY_TRIM_S=0). */
  constructor(private readonly trim: () => boolean, private readonly everyS = MEMORY_TRIM_DEFAULT_S,
    private readonly gc: (() => void) | null = null, private readonly clockMs: () => number = () => performance.now()) {
    if (!Number.isInteger(everyS) || everyS < 0) throw new RangeError(`MemoryTrim: everyS must be an integer >= 0, got ${everyS}`);
  }

  /** Called from the daemon's tick: trims when everyS have passed since the last trim (or the start). */
  tick(nowMs: number): void {
    if (this.everyS === 0) return;
    if (this.lastMs === null) { this.lastMs = nowMs; return; }
    if (nowMs - this.lastMs < this.everyS * 1000) return;
    this.lastMs = nowMs;
    this.trims++;
    if (this.gc) {
      const t0 = this.clockMs();
      this.gc();
      this.maxGcMs = Math.max(this.maxGcMs, this.clockMs() - t0);
    }
    if (this.trim()) this.released++;
  }
}
