import { deriveSeed, mix32, SeededRandom, seedToUint32 } from './seeded-random.js';

function draws(rng: SeededRandom, n: number, draw: (r: SeededRandom) => number): number[] {
  return Array.from({ length: n }, () => draw(rng));
}

function meanAndSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, sd: Math.sqrt(variance) };
}

describe('SeededRandom', () => {
  it('repeats the same sequence for the same seed, across every kind of draw', () => {
    const run = (): number[] => {
      const rng = new SeededRandom(42);
      return [
        ...draws(rng, 100, (r) => r.nextUint32()),
        ...draws(rng, 101, (r) => r.normal(5, 2)),
        ...draws(rng, 100, (r) => r.exponential(3)),
        ...draws(rng, 100, (r) => r.uniform(-1, 1)),
      ];
    };
    expect(run()).toEqual(run());
  });

  it('gives unrelated sequences for neighbouring seeds', () => {
    const a = draws(new SeededRandom(1), 1000, (r) => r.nextUint32());
    const b = draws(new SeededRandom(2), 1000, (r) => r.nextUint32());
    expect(a.filter((x, i) => x === b[i]).length).toBeLessThan(2);
  });

  it('accepts text seeds, and the same text gives the same sequence', () => {
    expect(draws(new SeededRandom('plant-a'), 10, (r) => r.next())).toEqual(
      draws(new SeededRandom('plant-a'), 10, (r) => r.next()),
    );
    expect(seedToUint32('plant-a')).not.toBe(seedToUint32('plant-b'));
    expect(seedToUint32(7)).toBe(7);
    expect(seedToUint32(-7)).toBe(seedToUint32('-7'));
    expect(seedToUint32(1.5)).toBe(seedToUint32('1.5'));
  });

  it('draws uniforms in [0, 1) spread evenly over ten buckets', () => {
    const rng = new SeededRandom(3);
    const n = 100_000;
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (u < 0 || u >= 1) outside++;
      else buckets[Math.floor(u * 10)]++;
    }
    expect(outside).toBe(0);
    // Chi-square with 9 degrees of freedom: 27.9 is its 0.999 quantile.
    const chi2 = buckets.reduce((s, count) => s + (count - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.9);
  });

  it('keeps uniform(min, max) and int(bound) inside their bounds', () => {
    const rng = new SeededRandom(4);
    const us = draws(rng, 10_000, (r) => r.uniform(-3, 5));
    const ks = draws(rng, 10_000, (r) => r.int(7));
    expect(Math.min(...us)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...us)).toBeLessThan(5);
    expect(new Set(ks)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
  });

  it('draws normals with the requested mean and standard deviation', () => {
    const { mean, sd } = meanAndSd(draws(new SeededRandom(5), 100_000, (r) => r.normal(10, 3)));
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeGreaterThan(2.95);
    expect(sd).toBeLessThan(3.05);
  });

  it('draws normals with Gaussian tails, not uniform or clipped ones', () => {
    const xs = draws(new SeededRandom(6), 100_000, (r) => r.normal());
    const beyond2 = xs.filter((x) => Math.abs(x) > 2).length / xs.length;
    expect(beyond2).toBeGreaterThan(0.04);
    expect(beyond2).toBeLessThan(0.051);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it('draws exponentials with the requested mean', () => {
    const { mean } = meanAndSd(draws(new SeededRandom(7), 100_000, (r) => r.exponential(4)));
    expect(mean).toBeGreaterThan(3.95);
    expect(mean).toBeLessThan(4.05);
  });

  it('chance(p) is true about p of the time', () => {
    const rng = new SeededRandom(8);
    const hits = draws(rng, 100_000, (r) => (r.chance(0.2) ? 1 : 0)).reduce((s, x) => s + x, 0);
    expect(hits / 100_000).toBeCloseTo(0.2, 2);
  });
});

describe('deriveSeed', () => {
  it('gives each (unit, stream) its own seed, in an order-sensitive way', () => {
    const seeds = new Set<number>();
    for (let unit = 0; unit < 1000; unit++)
      for (let stream = 0; stream < 4; stream++) seeds.add(deriveSeed(9, unit, stream));
    expect(seeds.size).toBe(4000);
    expect(deriveSeed(9, 0, 1)).not.toBe(deriveSeed(9, 1, 0));
    expect(deriveSeed(9, 3, 2)).toBe(deriveSeed(9, 3, 2));
    expect(deriveSeed('nine', 3, 2)).not.toBe(deriveSeed(9, 3, 2));
  });

  it('mixes neighbouring inputs into distant outputs', () => {
    const flipped = (mix32(1000) ^ mix32(1001)) >>> 0;
    const bits = flipped
      .toString(2)
      .split('')
      .filter((b) => b === '1').length;
    expect(bits).toBeGreaterThan(8);
  });
});
