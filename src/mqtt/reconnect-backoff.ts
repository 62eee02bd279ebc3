/** How long to wait between reconnect attempts. */
export interface BackoffPolicy {
  /** Delay before the first attempt after a loss, before jitter (ms). */
  minMs: number;
  /** Cap on any delay (ms). */
  maxMs: number;
  /** Fraction (0–1) of the delay that is randomised away, so instances cut off together do not retry together. */
  jitter: number;
}

/** Half of each delay is random: N backends losing one broker spread their retries over the whole window. */
export const RECONNECT_JITTER = 0.5;

/**
 * Delay before reconnect attempt `attempt` (0 = the first attempt after the connection was lost): `minMs`
 * doubled per failed attempt, capped at `maxMs`, then shortened by a random part of up to `jitter` of it.
 * Never above the cap, never below 1 ms. Pure: the random source is a parameter.
 */
export function reconnectDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  // 2^31 × any sensible minimum is past every cap; clamping the exponent keeps the arithmetic finite.
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 31);
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** exponent);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  const drawn = random();
  const r = Number.isNaN(drawn) ? 0 : Math.min(Math.max(drawn, 0), 1);
  return Math.max(1, Math.round(ceiling * (1 - jitter * r)));
}
