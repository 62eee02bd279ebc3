/** How a Backoff grows its delays. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter (ms). */
  initialMs: number;
  /** Cap on any delay (ms). */
  maxMs: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
  /** Fraction (0–1) of each delay drawn at random (default 0.2), so instances failing together do not retry together. */
  jitter?: number;
  /** Random source in [0, 1); Math.random unless a spec injects its own. */
  random?: () => number;
}

/**
 * Capped exponential backoff with jitter, the one every retry loop of the backend uses: `next()` gives the delay
 * before the next attempt (initialMs × factor^attempts, capped at maxMs, shortened by up to `jitter` of it at
 * random), `reset()` after a success. Pure: no timer of its own, the caller sleeps.
 */
export class Backoff {
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {
    this.factor = Math.max(1, options.factor ?? 2);
    this.jitter = Math.min(Math.max(options.jitter ?? 0.2, 0), 1);
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt (ms, at least 1), counting one more failed attempt. */
  next(): number {
    // Past the cap the exponent no longer matters; clamping it keeps the arithmetic finite.
    const exponent = Math.min(this.failures, 64);
    this.failures++;
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * this.factor ** exponent);
    const drawn = this.random();
    const r = Number.isFinite(drawn) ? Math.min(Math.max(drawn, 0), 1) : 0;
    return Math.max(1, Math.round(ceiling * (1 - this.jitter * r)));
  }

  /** Back to the first delay (after a success). */
  reset(): void {
    this.failures = 0;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.failures;
  }
}
