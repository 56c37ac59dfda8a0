// Control-plane drop counters by reason (handshake refusals, rate limits, bad peer-channel messages).
// Bounded: reasons are a fixed vocabulary chosen by the code, never taken from input.

export class DropCounters {
  private readonly counts = new Map<string, number>();
  add(reason: string, n = 1): void { this.counts.set(reason, (this.counts.get(reason) ?? 0) + n); }
  get(reason: string): number { return this.counts.get(reason) ?? 0; }
  snapshot(): Record<string, number> { return Object.fromEntries(this.counts); }
}
