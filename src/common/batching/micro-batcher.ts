/**
 * Gathers items into batches: a batch is handed on when it holds `maxSize` items or when its first item has
 * waited `windowMs`, whichever comes first. One timer per batch, not per item.
 */
export class MicroBatcher<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly maxSize: number,
    private readonly windowMs: number,
    private readonly onBatch: (items: T[]) => void,
  ) {}

  add(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.maxSize) {
      this.flush();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
    }
  }

  /** Hands on whatever is gathered now (also used at shutdown). */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.onBatch(batch);
  }

  get pending(): number {
    return this.items.length;
  }
}
