import { jest } from '@jest/globals';
import { reconnectDelay, type BackoffPolicy } from './reconnect-backoff.js';

describe('reconnectDelay', () => {
  const policy: BackoffPolicy = { minMs: 1000, maxMs: 30_000, jitter: 0.5 };
  const noJitter = (): number => 0;
  const fullJitter = (): number => 1;

  it('starts at the minimum and doubles with every failed attempt', () => {
    expect([0, 1, 2, 3, 4].map((a) => reconnectDelay(a, policy, noJitter))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(reconnectDelay(5, policy, noJitter)).toBe(30_000);
    expect(reconnectDelay(50, policy, noJitter)).toBe(30_000);
    expect(reconnectDelay(10_000, policy, noJitter)).toBe(30_000);
    expect(reconnectDelay(Number.MAX_SAFE_INTEGER, policy, noJitter)).toBe(30_000);
  });

  it('takes up to the jitter fraction off each delay, so instances cut off together spread their retries', () => {
    expect(reconnectDelay(0, policy, fullJitter)).toBe(500);
    expect(reconnectDelay(2, policy, () => 0.25)).toBe(3500);
    expect(reconnectDelay(20, policy, fullJitter)).toBe(15_000);
    const delays = new Set(Array.from({ length: 20 }, (_, i) => reconnectDelay(3, policy, () => i / 20)));
    expect(delays.size).toBe(20);
    for (const d of delays) {
      expect(d).toBeGreaterThan(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });

  it('stays within [cap × (1 − jitter), cap] for any random source, even a misbehaving one', () => {
    for (const r of [-1, 0, 0.3, 0.999, 1, 7, Number.NaN]) {
      const d = reconnectDelay(40, policy, () => r);
      expect(d).toBeGreaterThanOrEqual(15_000);
      expect(d).toBeLessThanOrEqual(30_000);
    }
  });

  it('treats a negative or fractional attempt as the nearest valid one', () => {
    expect(reconnectDelay(-3, policy, noJitter)).toBe(1000);
    expect(reconnectDelay(1.9, policy, noJitter)).toBe(2000);
  });

  it('honours a cap below the minimum and never returns zero', () => {
    expect(reconnectDelay(0, { minMs: 5000, maxMs: 2000, jitter: 0 }, noJitter)).toBe(2000);
    expect(reconnectDelay(0, { minMs: 1, maxMs: 1, jitter: 1 }, fullJitter)).toBe(1);
  });

  it('uses Math.random by default', () => {
    // Math.random pinned, so the spec sees that the default source is used and stays deterministic.
    const random = jest.spyOn(Math, 'random').mockReturnValueOnce(0).mockReturnValueOnce(0.5);
    try {
      expect(reconnectDelay(1, policy)).toBe(2000);
      expect(reconnectDelay(1, policy)).toBe(1500);
      expect(random).toHaveBeenCalledTimes(2);
    } finally {
      random.mockRestore();
    }
  });
});
