/** What a simulation run is seeded with: an unsigned 32-bit integer is used as is, anything else is hashed. */
export type Seed = number | string;

const TWO_POW_32 = 4294967296;
const GOLDEN_GAMMA = 0x9e3779b9;

/**
 * MurmurHash3's 32-bit finaliser: every input bit affects every output bit, so neighbouring seeds
 * (unit 1, unit 2, ...) give unrelated streams.
 */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Reduces a seed to 32 bits: FNV-1a over its text unless it already is an unsigned 32-bit integer. */
export function seedToUint32(seed: Seed): number {
  if (typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed < TWO_POW_32) return seed;
  const text = String(seed);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The seed of one independent stream of one simulated unit. Streams are derived from (seed, unit index,
 * stream) rather than drawn from a parent generator, so a unit's data does not depend on how many units
 * exist or on how much randomness another part of the model consumed.
 */
export function deriveSeed(seed: Seed, index: number, stream: number): number {
  const base = seedToUint32(seed);
  const withIndex = mix32((base + Math.imul(index + 1, GOLDEN_GAMMA)) >>> 0);
  return mix32((withIndex ^ Math.imul(stream + 1, 0x632be5ab)) >>> 0);
}

/**
 * A small, fast, seeded generator: sfc32 (Chris Doty-Humphrey's Small Fast Counter, 128-bit state, passes
 * PractRand), seeded through splitmix32. Math.random cannot be seeded, and runs must be reproducible.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Box–Muller yields normals in pairs; the second is kept for the next call. */
  private spareNormal = 0;
  private hasSpareNormal = false;

  constructor(seed: Seed) {
    let s = seedToUint32(seed);
    const splitmix = (): number => {
      s = (s + GOLDEN_GAMMA) >>> 0;
      return mix32(s);
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    // sfc32's first outputs are still close to its seed words; discarding a few is the author's advice.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Normal draw by Box–Muller. */
  normal(mean = 0, sd = 1): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return mean + sd * this.spareNormal;
    }
    // 1 - next() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    this.hasSpareNormal = true;
    return mean + sd * radius * Math.cos(angle);
  }

  /** Exponential draw with the given mean: the waiting time of a memoryless process. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
}
