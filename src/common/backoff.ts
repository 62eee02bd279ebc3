/** How a Backoff grows its delays. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter (ms). */
  initialMs: number;
  /** Cap on any delay (ms). */
  maxMs: number;
  /** Growth per failed attempt; default 2. */
  factor?: number;
  /** Fraction (0–1) of each delay drawn at random, so clients cut off together do not retry together; default 0.2. */
  jitter?: number;
  /** Source of randomness in [0, 1); default Math.random (specs inject a seeded one). */
  random?: () => number;
}

/**
 * Capped exponential backoff with jitter, the one used for every retry in the backend (MQTT reconnects, OPC UA
 * connection retries, the writers' retries). `next()` gives the delay before the next attempt: `initialMs ×
 * factor^attempts`, capped at `maxMs`, of which the `jitter` fraction is drawn at random (so a delay lies in
 * [ceiling × (1 − jitter), ceiling]); `reset()` after a success starts again from `initialMs`. Never below 1 ms,
 * never above the cap. Pure: no timer, no clock.
 */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private failed = 0;

  constructor(options: BackoffOptions) {
    this.initialMs = Math.max(1, options.initialMs);
    this.maxMs = Math.max(1, options.maxMs);
    this.factor = Math.max(1, options.factor ?? 2);
    this.jitter = clamp01(options.jitter ?? 0.2);
    this.random = options.random ?? Math.random;
  }

  /** Delays handed out since the last reset. */
  get attempts(): number {
    return this.failed;
  }

  /** The delay before the next attempt (ms); each call counts one more attempt. */
  next(): number {
    return this.delayAfter(this.failed++);
  }

  /**
   * The delay after `failures` failed attempts, without counting one: for retries whose count is stored elsewhere
   * (a notification delivery's attempts live in its outbox row, not in this object).
   */
  delayAfter(failures: number): number {
    // Past ~1000 doublings the power is Infinity; the cap applies either way, and Math.min keeps it finite.
    const ceiling = Math.min(this.maxMs, this.initialMs * this.factor ** Math.min(Math.max(0, failures), 1000));
    const drawn = clamp01(this.random());
    return Math.max(1, Math.round(ceiling * (1 - this.jitter + this.jitter * drawn)));
  }

  /** Starts again from the initial delay (after a success). */
  reset(): void {
    this.failed = 0;
  }
}

function clamp01(value: number): number {
  return Number.isNaN(value) ? 0 : Math.min(Math.max(value, 0), 1);
}
