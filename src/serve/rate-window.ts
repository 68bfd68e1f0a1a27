/** Deliveries per second over the last WINDOW_MS, from per-second buckets. */
const WINDOW_MS = 10_000;

export class RateWindow {
  private readonly buckets = new Map<number, number>();
  private last: number | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  add(count: number): void {
    const t = this.now();
    const second = Math.floor(t / 1000);
    this.buckets.set(second, (this.buckets.get(second) ?? 0) + count);
    this.last = t;
    for (const s of this.buckets.keys()) if (s < second - WINDOW_MS / 1000) this.buckets.delete(s);
  }

  perSecond(): number {
    const from = Math.floor((this.now() - WINDOW_MS) / 1000);
    let total = 0;
    for (const [s, n] of this.buckets) if (s > from) total += n;
    return total / (WINDOW_MS / 1000);
  }

  /** When the sink last acknowledged a change of this source, ISO-8601; null before the first. */
  lastAt(): string | null {
    return this.last === null ? null : new Date(this.last).toISOString();
  }
}
