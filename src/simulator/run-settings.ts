import type { Seed } from './seeded-random.js';
import { SENSOR_COUNT } from './unit-model.js';

/** Ticks closer than this are not worth their timer: a higher rate is better served by more units per tick. */
export const MIN_INTERVAL_MS = 10;
export const MAX_INTERVAL_MS = 3_600_000;
/** 40,000 readings per tick at most: load mode needs about 1,000 units, and a tick's memory stays small. */
export const MAX_SIMULATED_UNITS = 10_000;
export const MAX_RATE = 1_000_000;
export const MAX_SEED = 0xffffffff;

/**
 * Where a seeded run's model clock starts (a Monday, 08:00 UTC, demand rising), whatever the hour the run starts:
 * the daily cycle is part of the signal, so a run repeats only if its model time does.
 */
export const SEEDED_MODEL_START_MS = Date.UTC(2025, 0, 6, 8);

/** What the simulator speaks: `{prefix}/{unit}/{sensor}` JSON, or Sparkplug B (one edge node, a device per unit). */
export const SIMULATOR_PROTOCOLS = ['json', 'sparkplug'] as const;
export type SimulatorProtocol = (typeof SIMULATOR_PROTOCOLS)[number];

/** What a start request may set; anything left out comes from the configuration. */
export interface RunRequest {
  protocol?: SimulatorProtocol;
  units?: number;
  intervalMs?: number;
  /** Readings per second; sets the interval to units × 4 / rate. */
  rate?: number;
  seed?: string | number;
}

/** The configured defaults (SIMULATOR_*). */
export interface RunDefaults {
  /** SIMULATOR_PROTOCOL; json when not given. */
  protocol?: SimulatorProtocol;
  units: number;
  intervalMs: number;
  /** 0: no rate configured, the interval applies. */
  rate: number;
  seed?: string;
}

/** A run's resolved settings. */
export interface RunPlan {
  protocol: SimulatorProtocol;
  units: number;
  /** May have a fraction when derived from a rate. */
  intervalMs: number;
  /** Readings per second with every unit online. */
  targetRate: number;
  /** Undefined: an unseeded run (random seed, model clock = wall clock). */
  seed: Seed | undefined;
}

export type PlanResult = { ok: true; plan: RunPlan } | { ok: false; error: string };

/**
 * A seed as given. Decimal text that fits 32 bits is that number, so `SIMULATOR_SEED=42`, `"seed": 42` and
 * `"seed": "42"` name the same run; any other text is hashed by the model.
 */
export function normalizeSeed(seed: string | number): Seed {
  if (typeof seed === 'string' && /^\d{1,10}$/.test(seed) && Number(seed) <= MAX_SEED) return Number(seed);
  return seed;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Resolves a start request against the defaults. Rate and interval are two views of one setting (readings per
 * tick are units × 4), so a request gives one or the other; a configured SIMULATOR_RATE wins over the configured
 * interval. Errors say what to change.
 */
export function planRun(request: RunRequest, defaults: RunDefaults): PlanResult {
  const units = request.units ?? defaults.units;
  const perTick = units * SENSOR_COUNT;
  if (request.intervalMs !== undefined && request.rate !== undefined)
    return { ok: false, error: 'Give interval_ms or rate, not both: the rate sets the interval (units × 4 / rate)' };

  let intervalMs: number;
  let rate: number | undefined;
  if (request.intervalMs !== undefined) intervalMs = request.intervalMs;
  else {
    rate = request.rate ?? (defaults.rate > 0 ? defaults.rate : undefined);
    intervalMs = rate === undefined ? defaults.intervalMs : (perTick * 1000) / rate;
  }

  if (intervalMs < MIN_INTERVAL_MS) {
    const needed = Math.ceil(((rate ?? 0) * MIN_INTERVAL_MS) / 1000 / SENSOR_COUNT);
    return {
      ok: false,
      error:
        rate === undefined
          ? `interval_ms must be at least ${MIN_INTERVAL_MS}`
          : `A rate of ${rate} readings/s with ${units} units needs a tick every ${round(intervalMs, 3)} ms, but ticks are at least ${MIN_INTERVAL_MS} ms apart: ask for at least ${needed} units, or a lower rate`,
    };
  }
  if (intervalMs > MAX_INTERVAL_MS) {
    return {
      ok: false,
      error:
        rate === undefined
          ? `interval_ms must be at most ${MAX_INTERVAL_MS}`
          : `A rate of ${rate} readings/s with ${units} units means a tick every ${round(intervalMs / 1000, 1)} s, longer than the ${MAX_INTERVAL_MS / 1000} s allowed: ask for a higher rate`,
    };
  }
  const seedText = request.seed ?? defaults.seed;
  return {
    ok: true,
    plan: {
      protocol: request.protocol ?? defaults.protocol ?? 'json',
      units,
      intervalMs,
      targetRate: rate ?? (perTick * 1000) / intervalMs,
      seed: seedText === undefined ? undefined : normalizeSeed(seedText),
    },
  };
}
