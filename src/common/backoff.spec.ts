import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap, and starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoff.attempts).toBe(6);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(100);
  });

  it('draws up to `jitter` of each delay at random, never above the cap nor below 1 ms', () => {
    const draws = [0, 0.5, 0.998, Number.NaN];
    const backoff = new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.5, random: () => draws.shift()! });
    expect([1, 2, 3, 4].map(() => backoff.next())).toEqual([1000, 750, 501, 1000]);
    expect(new Backoff({ initialMs: 0, maxMs: 0 }).next()).toBe(1);
  });

  it('grows by the given factor and stays finite after many failures', () => {
    const backoff = new Backoff({ initialMs: 10, maxMs: 60_000, factor: 3, jitter: 0 });
    expect([1, 2, 3].map(() => backoff.next())).toEqual([10, 30, 90]);
    for (let i = 0; i < 1000; i++) backoff.next();
    expect(backoff.next()).toBe(60_000);
  });
});
