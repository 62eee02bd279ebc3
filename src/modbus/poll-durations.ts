/**
 * The last poll durations of a device (a fixed ring, so memory stays bounded however long it runs), for the p50
 * and p99 in its status. Sorting a few hundred numbers happens at status time, not per poll.
 */
export class PollDurations {
  private readonly samples: number[] = [];
  private next = 0;

  constructor(private readonly capacity = 512) {}

  add(ms: number): void {
    if (this.samples.length < this.capacity) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The q-quantile (0-1) of the kept samples by nearest rank; undefined before the first poll. */
  quantile(q: number): number | undefined {
    if (this.samples.length === 0) return undefined;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[rank];
  }
}
