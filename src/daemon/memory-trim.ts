// Periodic malloc_trim (native trimMemory). glibc keeps the free pages of a thread's malloc arena
// resident at the high-water mark of that thread's use: the data plane's threads and Node's
// worker threads (V8 compilation and GC helpers, libuv's pool) each ratchet their arena up
// whenever a transient burst is larger than any before, and RSS creeps over a long run without
// any live memory growing (docs/BENCHMARKS.md, soak). Trimming once a minute gives those pages back;
// it walks the arenas briefly under their locks, far from any packet path.

export const MALLOC_TRIM_DEFAULT_S = 60;

export class MemoryTrim {
  private lastMs: number | null = null;
  trims = 0;
  released = 0;

  /** everyS 0 = never (BRIDGEHEAD_MALLOC_TRIM_S=0). */
  constructor(private readonly trim: () => boolean, private readonly everyS = MALLOC_TRIM_DEFAULT_S) {
    if (!Number.isInteger(everyS) || everyS < 0) throw new RangeError(`MemoryTrim: everyS must be an integer >= 0, got ${everyS}`);
  }

  /** Called from the daemon's tick: trims when everyS have passed since the last trim (or the start). */
  tick(nowMs: number): void {
    if (this.everyS === 0) return;
    if (this.lastMs === null) { this.lastMs = nowMs; return; }
    if (nowMs - this.lastMs < this.everyS * 1000) return;
    this.lastMs = nowMs;
    this.trims++;
    if (this.trim()) this.released++;
  }
}
