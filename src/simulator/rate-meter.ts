/**
 * Events per second over a sliding window, from samples of "n events at time t" (one per simulator tick).
 * Memory is bounded by the window: samples older than it are dropped as new ones arrive.
 */
export class RateMeter {
  private times: number[] = [];
  private counts: number[] = [];
  private head = 0;

  constructor(private readonly windowMs = 10_000) {}

  record(atMs: number, count: number): void {
    this.times.push(atMs);
    this.counts.push(count);
    this.expire(atMs);
  }

  /**
   * The rate at `nowMs`: the events after the oldest sample in the window, over the time since it. The span ends at
   * the newest sample while samples keep their usual spacing, and at `nowMs` minus that spacing once they stop, so
   * a stalled stream reads as slowing down rather than as its last good rate.
   */
  perSecond(nowMs: number): number {
    this.expire(nowMs);
    const n = this.times.length - this.head;
    if (n < 2) return 0;
    const first = this.times[this.head];
    const last = this.times[this.times.length - 1];
    const spacing = (last - first) / (n - 1);
    const span = Math.max(last, nowMs - spacing) - first;
    if (span <= 0) return 0;
    let events = 0;
    for (let i = this.head + 1; i < this.counts.length; i++) events += this.counts[i];
    return (events * 1000) / span;
  }

  private expire(nowMs: number): void {
    const oldest = nowMs - this.windowMs;
    while (this.head < this.times.length && this.times[this.head] < oldest) this.head++;
    // Compact now and then rather than shifting per sample.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.counts = this.counts.slice(this.head);
      this.head = 0;
    }
  }
}
