// wan-emu-core.ts -- the pure scheduling core of the user-space WAN emulator (wan-emu.ts is the
// UDP driver).  No sockets, no clocks, no globals: the caller passes `nowMs` in.
//
// Per direction ('up' = client -> target, 'down' = target -> client), a datagram offered at
// time `now` goes through, in this order (one RNG draw each, so a seed fixes every decision):
//   loss (drop, counted)  ->  queue bound (drop when `maxQueue` packets of that direction are
//   pending, counted)  ->  bottleneck: token bucket of `rateMbit` with `burstBytes` (FIFO; gives
//   the departure time)  ->  propagation: `delayMs` +/- uniform `jitterMs` (FIFO: never earlier
//   than the previous packet of the direction, so jitter alone does not reorder; under dense
//   traffic the delay therefore drifts towards delayMs + jitterMs, like netem with a pfifo)  ->  reorder:
//   with `reorderPct` the packet is held back `reorderGapMs` more and does not hold up later
//   packets (they overtake it)  ->  duplicate: with `dupPct` a second copy is delivered together
//   with it (both count against the queue bound).
// `takeDue(now)` returns what must be sent now, ordered by (time, arrival order).
// Everything is bounded: at most `maxQueue` pending packets per direction.

export type Direction = 'up' | 'down';

export interface WanEmuParams {
  delayMs: number;       // one-way base delay per direction
  jitterMs: number;      // uniform +/- around delayMs (clamped at 0)
  lossPct: number;       // 0..100
  dupPct: number;        // 0..100
  reorderPct: number;    // 0..100
  reorderGapMs: number;  // extra hold-back of a reordered packet
  rateMbit: number;      // 0 = unlimited
  burstBytes: number;    // token bucket depth
  maxQueue: number;      // pending packets per direction (>= 1)
}

export const DEFAULT_PARAMS: WanEmuParams = {
  delayMs: 0, jitterMs: 0, lossPct: 0, dupPct: 0, reorderPct: 0, reorderGapMs: 10,
  rateMbit: 0, burstBytes: 15000, maxQueue: 1000,
};

export interface DirCounters {
  rxPackets: number; rxBytes: number;        // offered
  txPackets: number; txBytes: number;        // handed out by takeDue (incl. duplicates)
  lost: number; duplicated: number; reordered: number; queueDrops: number; maxQueued: number;
}

export interface Scheduled<T> { dir: Direction; data: T; size: number; atMs: number; seq: number }

/** Deterministic PRNG (mulberry32); next() is uniform in [0, 1). */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed >>> 0) || 0x9e3779b9; }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export function validateParams(p: WanEmuParams): string | null {
  const pct = (n: number) => Number.isFinite(n) && n >= 0 && n <= 100;
  if (!(p.delayMs >= 0) || !Number.isFinite(p.delayMs)) return `bad delayMs ${p.delayMs}`;
  if (!(p.jitterMs >= 0) || !Number.isFinite(p.jitterMs)) return `bad jitterMs ${p.jitterMs}`;
  if (!pct(p.lossPct)) return `bad loss ${p.lossPct} (0..100)`;
  if (!pct(p.dupPct)) return `bad dup ${p.dupPct} (0..100)`;
  if (!pct(p.reorderPct)) return `bad reorder ${p.reorderPct} (0..100)`;
  if (!(p.reorderGapMs >= 0)) return `bad reorderGapMs ${p.reorderGapMs}`;
  if (!(p.rateMbit >= 0) || !Number.isFinite(p.rateMbit)) return `bad rateMbit ${p.rateMbit}`;
  if (!(p.burstBytes >= 1)) return `bad burstBytes ${p.burstBytes}`;
  if (!Number.isInteger(p.maxQueue) || p.maxQueue < 1) return `bad maxQueue ${p.maxQueue} (integer >= 1)`;
  return null;
}

function newCounters(): DirCounters {
  return { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, lost: 0, duplicated: 0,
           reordered: 0, queueDrops: 0, maxQueued: 0 };
}

interface DirState {
  pending: number;       // scheduled, not yet taken
  fifoTailMs: number;    // delivery time of the last in-order packet
  bucketTokens: number;  // bytes
  bucketAtMs: number;    // time of bucketTokens
  linkFreeMs: number;    // FIFO departure time of the previous packet at the bottleneck
}

/** Binary min-heap on (atMs, seq). */
class Heap<T> {
  private a: Scheduled<T>[] = [];
  get size(): number { return this.a.length; }
  peek(): Scheduled<T> | undefined { return this.a[0]; }
  private less(x: Scheduled<T>, y: Scheduled<T>): boolean {
    return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
  }
  push(v: Scheduled<T>): void {
    const a = this.a; a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]]; i = p;
    }
  }
  pop(): Scheduled<T> | undefined {
    const a = this.a; if (a.length === 0) return undefined;
    const top = a[0]; const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1; let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]]; i = m;
      }
    }
    return top;
  }
}

export class WanEmuCore<T = Buffer> {
  readonly params: WanEmuParams;
  readonly counters: Record<Direction, DirCounters> = { up: newCounters(), down: newCounters() };
  private readonly rng: Rng;
  private readonly heap = new Heap<T>();
  private seq = 0;
  private readonly st: Record<Direction, DirState>;

  constructor(params: Partial<WanEmuParams>, seed: number) {
    this.params = { ...DEFAULT_PARAMS, ...params };
    const err = validateParams(this.params);
    if (err) throw new RangeError(err);
    this.rng = new Rng(seed);
    const init = (): DirState => ({ pending: 0, fifoTailMs: -Infinity,
      bucketTokens: this.params.burstBytes, bucketAtMs: -Infinity, linkFreeMs: -Infinity });
    this.st = { up: init(), down: init() };
  }

  /** Offer one datagram of `size` bytes at `nowMs`. Returns how many copies were scheduled (0..2). */
  offer(dir: Direction, data: T, size: number, nowMs: number): number {
    const p = this.params, c = this.counters[dir], s = this.st[dir];
    c.rxPackets++; c.rxBytes += size;
    // Fixed number of draws per packet, whatever the outcome: decisions for packet N do not
    // depend on what happened to packets before it.
    const rLoss = this.rng.next(), rDup = this.rng.next(), rReorder = this.rng.next();
    const rJitter = this.rng.next();
    if (rLoss * 100 < p.lossPct) { c.lost++; return 0; }
    if (s.pending >= p.maxQueue) { c.queueDrops++; return 0; }

    const depart = this.bottleneck(s, size, nowMs);
    const jitter = p.jitterMs > 0 ? (rJitter * 2 - 1) * p.jitterMs : 0;
    let at = depart + Math.max(0, p.delayMs + jitter);
    if (rReorder * 100 < p.reorderPct) {
      at += p.reorderGapMs;      // held back; the FIFO tail is not moved, so later packets overtake
      c.reordered++;
    } else {
      at = Math.max(at, s.fifoTailMs);
      s.fifoTailMs = at;
    }
    this.schedule(dir, data, size, at);
    if (rDup * 100 < p.dupPct) {
      if (s.pending >= p.maxQueue) { c.queueDrops++; return 1; }
      c.duplicated++;
      this.schedule(dir, data, size, at);
      return 2;
    }
    return 1;
  }

  /** Departure time from the token-bucket bottleneck (FIFO), updating the bucket. */
  private bottleneck(s: DirState, size: number, nowMs: number): number {
    const p = this.params;
    if (p.rateMbit <= 0) return nowMs;
    const bytesPerMs = (p.rateMbit * 1e6) / 8 / 1000;
    const t0 = Math.max(nowMs, s.linkFreeMs);
    const tokens = s.bucketAtMs === -Infinity ? p.burstBytes
      : Math.min(p.burstBytes, s.bucketTokens + (t0 - s.bucketAtMs) * bytesPerMs);
    // A packet larger than the bucket waits until the deficit has accrued (the long-run rate holds).
    let depart = t0, left = tokens - size;
    if (left < 0) { depart = t0 + -left / bytesPerMs; left = 0; }
    s.bucketTokens = left; s.bucketAtMs = depart; s.linkFreeMs = depart;
    return depart;
  }

  private schedule(dir: Direction, data: T, size: number, atMs: number): void {
    const s = this.st[dir], c = this.counters[dir];
    this.heap.push({ dir, data, size, atMs, seq: this.seq++ });
    s.pending++;
    if (s.pending > c.maxQueued) c.maxQueued = s.pending;
  }

  /** Time of the next delivery, or null when nothing is pending. */
  nextDueMs(): number | null { const h = this.heap.peek(); return h ? h.atMs : null; }

  /** Everything due at `nowMs`, in delivery order. */
  takeDue(nowMs: number): Scheduled<T>[] {
    const out: Scheduled<T>[] = [];
    for (let h = this.heap.peek(); h && h.atMs <= nowMs; h = this.heap.peek()) {
      this.heap.pop();
      this.st[h.dir].pending--;
      const c = this.counters[h.dir];
      c.txPackets++; c.txBytes += h.size;
      out.push(h);
    }
    return out;
  }

  pending(dir?: Direction): number {
    return dir ? this.st[dir].pending : this.st.up.pending + this.st.down.pending;
  }
}
