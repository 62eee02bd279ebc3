import { Backoff } from './backoff.js';

/** A seeded generator (mulberry32): the same seed gives the same "random" delays on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const take = (backoff: Backoff, n: number): number[] => Array.from({ length: n }, () => backoff.next());

describe('Backoff', () => {
  it('starts at the initial delay and grows by the factor with every attempt, up to the cap', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0 });
    expect(take(backoff, 7)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoff.attempts).toBe(7);
    expect(take(new Backoff({ initialMs: 100, maxMs: 10_000, factor: 3, jitter: 0 }), 4)).toEqual([
      100, 300, 900, 2700,
    ]);
  });

  it('starts again from the initial delay after reset', () => {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5000, jitter: 0 });
    take(backoff, 5);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(take(backoff, 2)).toEqual([200, 400]);
  });

  it('gives the delay after a stored number of failures without counting an attempt', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0 });
    expect([0, 1, 2, 5, 50, -3].map((n) => backoff.delayAfter(n))).toEqual([1000, 2000, 4000, 30_000, 30_000, 1000]);
    expect(backoff.attempts).toBe(0);
  });

  it('draws the jitter fraction of each delay at random: between (1 − jitter) and 1 of the ceiling', () => {
    expect(new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.5, random: () => 0 }).next()).toBe(500);
    expect(new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.5, random: () => 0.5 }).next()).toBe(750);
    // The default jitter is 0.2.
    expect(new Backoff({ initialMs: 1000, maxMs: 1000, random: () => 0 }).next()).toBe(800);
    const backoff = new Backoff({ initialMs: 1000, maxMs: 8000, jitter: 0.2, random: seeded(42) });
    const delays = take(backoff, 200);
    const ceilings = [1000, 2000, 4000, 8000];
    delays.forEach((d, i) => {
      const ceiling = ceilings[Math.min(i, 3)];
      expect(d).toBeGreaterThanOrEqual(ceiling * 0.8);
      expect(d).toBeLessThanOrEqual(ceiling);
    });
    // Spread out, not one value: instances cut off together do not retry together.
    expect(new Set(delays.slice(3)).size).toBeGreaterThan(50);
  });

  it('gives the same delays for the same seed', () => {
    const options = { initialMs: 500, maxMs: 30_000, jitter: 0.5 };
    const a = take(new Backoff({ ...options, random: seeded(7) }), 20);
    const b = take(new Backoff({ ...options, random: seeded(7) }), 20);
    expect(a).toEqual(b);
  });

  it('stays finite, at least 1 ms and at most the cap, whatever the options and the random source say', () => {
    const wild = [() => Number.NaN, () => -3, () => 7];
    for (const random of wild) {
      const backoff = new Backoff({ initialMs: 0, maxMs: 50, factor: 0.5, jitter: 4, random });
      for (const d of take(backoff, 100)) {
        expect(Number.isFinite(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(1);
        expect(d).toBeLessThanOrEqual(50);
      }
    }
    const long = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0 });
    expect(take(long, 5000).at(-1)).toBe(30_000);
  });
});
