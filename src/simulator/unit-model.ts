import type { Quality } from '../common/bus/event-map.js';
import { deriveSeed, SeededRandom, type Seed } from './seeded-random.js';

/** The four sensors of every simulated unit, in the order frames index them. */
export const SENSOR_TYPES = ['temperature', 'pressure', 'flow_rate', 'power'] as const;
export type SensorType = (typeof SENSOR_TYPES)[number];
export const SENSOR_COUNT = SENSOR_TYPES.length;

export const TEMPERATURE = 0;
export const PRESSURE = 1;
export const FLOW_RATE = 2;
export const POWER = 3;

/** Position of each sensor in a frame. */
export const SENSOR_INDEX: Readonly<Record<SensorType, number>> = {
  temperature: TEMPERATURE,
  pressure: PRESSURE,
  flow_rate: FLOW_RATE,
  power: POWER,
};

export interface SensorSpec {
  /** Lowest value in normal operation. */
  min: number;
  /** Highest value in normal operation. */
  max: number;
  /** Unit of measure. */
  unit: string;
  /** Digits a published value keeps: the resolution of a real transmitter, and shorter payloads. */
  decimals: number;
}

/** The documented normal-operation ranges (issue 7); outside them is an anomaly or a scenario. */
export const NORMAL_RANGES: Readonly<Record<SensorType, SensorSpec>> = {
  temperature: { min: -10, max: 40, unit: '°C', decimals: 2 },
  pressure: { min: 0.5, max: 8, unit: 'bar', decimals: 3 },
  flow_rate: { min: 50, max: 300, unit: 'L/min', decimals: 1 },
  power: { min: 30, max: 120, unit: 'kW', decimals: 2 },
};

/** Specs indexed like a frame, for loops that must not look keys up per reading. */
export const SENSOR_SPECS: readonly SensorSpec[] = SENSOR_TYPES.map((type) => NORMAL_RANGES[type]);

export function isSensorType(value: string): value is SensorType {
  return (SENSOR_TYPES as readonly string[]).includes(value);
}

/** Random faults of normal operation; the three are exclusive per reading, so their sum must not exceed 1. */
export interface AnomalyOptions {
  /** Probability that a reading carries BAD quality. */
  badQualityProbability: number;
  /** Probability that a reading carries UNCERTAIN quality. */
  uncertainQualityProbability: number;
  /** Probability that a reading is a spike of 15–35 % of its sensor's span, still flagged GOOD. */
  outlierProbability: number;
}

/** Rare enough not to drown the demo, frequent enough that quality handling is seen within minutes. */
export const DEFAULT_ANOMALIES: Readonly<AnomalyOptions> = {
  badQualityProbability: 0.001,
  uncertainQualityProbability: 0.002,
  outlierProbability: 0.001,
};

export const NO_ANOMALIES: Readonly<AnomalyOptions> = {
  badQualityProbability: 0,
  uncertainQualityProbability: 0,
  outlierProbability: 0,
};

export function validateAnomalies(options: AnomalyOptions): void {
  let sum = 0;
  for (const [name, p] of Object.entries(options) as [string, number][]) {
    if (!Number.isFinite(p) || p < 0 || p > 1) throw new RangeError(`Anomaly ${name} must be in [0, 1], got ${p}`);
    sum += p;
  }
  if (sum > 1) throw new RangeError(`Anomaly probabilities must add up to at most 1, got ${sum}`);
}

/** Independent random streams of one unit (see deriveSeed). */
export const UNIT_STREAM = { character: 0, signal: 1, anomaly: 2, status: 3 } as const;

/**
 * One unit's readings at one instant, indexed like SENSOR_TYPES. A unit owns one frame and overwrites it on
 * every step, so stepping allocates nothing; copy what must outlive the next step.
 */
export class UnitFrame {
  /** The values sent: baseline plus anomalies, then whatever an active scenario did. */
  readonly values = new Float64Array(SENSOR_COUNT);
  /** The true process values before anomalies and scenarios; scenarios anchor on these. */
  readonly baseline = new Float64Array(SENSOR_COUNT);
  readonly qualities: Quality[] = ['GOOD', 'GOOD', 'GOOD', 'GOOD'];
  /** False when the unit's link is down (communication loss): it sends nothing at all, status included. */
  transmitting = true;
}

/** A frame as plain readings; allocates, so for tests and inspection rather than the publishing loop. */
export function frameReadings(frame: UnitFrame): { sensor_type: SensorType; value: number; quality: Quality }[] {
  if (!frame.transmitting) return [];
  return SENSOR_TYPES.map((sensor_type, i) => ({ sensor_type, value: frame.values[i], quality: frame.qualities[i] }));
}

/** What makes one unit unlike another: drawn once from the seed and the unit's index. */
export interface UnitCharacter {
  ambientMean: number;
  tempDailyAmplitude: number;
  /** Milliseconds after UTC midnight when the daily temperature peaks. */
  tempPeakMs: number;
  /** Degrees the unit adds at full load (its own heat). */
  heatGain: number;
  loadBase: number;
  loadDailyAmplitude: number;
  loadPeakMs: number;
  /** A second daily harmonic, so demand has a morning and an evening shoulder rather than a pure sine. */
  loadSecondAmplitude: number;
  loadSecondPeakMs: number;
  flowMin: number;
  flowMax: number;
  staticHead: number;
  headAtMaxFlow: number;
  powerIdle: number;
  powerMax: number;
}

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
const DAY_ANGULAR = (2 * Math.PI) / DAY_MS;

/** Each range keeps the unit's raw signals inside the normal ranges most of the time; soft clamping does the rest. */
function drawCharacter(rng: SeededRandom): UnitCharacter {
  return {
    ambientMean: rng.uniform(6, 16),
    tempDailyAmplitude: rng.uniform(3, 7),
    tempPeakMs: rng.uniform(13.5, 16) * HOUR_MS,
    heatGain: rng.uniform(1.5, 4),
    loadBase: rng.uniform(0.4, 0.6),
    loadDailyAmplitude: rng.uniform(0.15, 0.28),
    loadPeakMs: rng.uniform(9, 13) * HOUR_MS,
    loadSecondAmplitude: rng.uniform(0.03, 0.08),
    loadSecondPeakMs: rng.uniform(0, 12) * HOUR_MS,
    flowMin: rng.uniform(72, 100),
    flowMax: rng.uniform(210, 285),
    staticHead: rng.uniform(0.8, 1.6),
    headAtMaxFlow: rng.uniform(5.2, 7.2),
    powerIdle: rng.uniform(38, 46),
    powerMax: rng.uniform(90, 112),
  };
}

/**
 * Slow and fast disturbances as Ornstein–Uhlenbeck processes (stationary standard deviation, time constant).
 * Updated with the exact discretisation, so any tick interval gives the same statistics.
 */
const SLOW_LOAD = { sd: 0.08, tauMs: 3 * HOUR_MS };
const FAST_LOAD = { sd: 0.03, tauMs: 4 * 60_000 };
const WEATHER = { sd: 2, tauMs: 8 * HOUR_MS };
const FOULING = { sd: 0.12, tauMs: 12 * HOUR_MS };
const TIME_CONSTANTS = [SLOW_LOAD.tauMs, FAST_LOAD.tauMs, WEATHER.tauMs, FOULING.tauMs];

/** White measurement noise per sensor, in its own unit. */
const NOISE = [0.15, 0.03, 1.5, 0.6];

/** Fraction of each range over which values are compressed rather than cut, so limits never show as flat lines. */
const SOFT_MARGIN = 0.08;

/**
 * Identity inside [lo + margin, hi - margin], then a tanh knee that approaches but never passes the limit.
 * Continuous with a continuous slope, so a signal near a limit still looks like a signal.
 */
export function softClamp(x: number, lo: number, hi: number, margin: number): number {
  const top = hi - margin;
  if (x > top) return top + margin * Math.tanh((x - top) / margin);
  const bottom = lo + margin;
  if (x < bottom) return bottom + margin * Math.tanh((x - bottom) / margin);
  return x;
}

/**
 * One simulated unit in normal operation: a pump-and-heat process whose demand follows a daily cycle and
 * slow trends. Flow follows demand; power follows flow; pressure follows flow squared (a system curve);
 * temperature follows the weather, the daily cycle and the unit's own load.
 *
 * `step(t)` is deterministic in (seed, index, sequence of t). Time may repeat or go back (nothing evolves
 * then); signals continue from the latest time seen.
 */
export class UnitModel {
  readonly character: Readonly<UnitCharacter>;
  readonly frame = new UnitFrame();

  private readonly signal: SeededRandom;
  private readonly anomaly: SeededRandom;
  private readonly badBelow: number;
  private readonly uncertainBelow: number;
  private readonly outlierBelow: number;

  private lastT = Number.NaN;
  private slowLoad = 0;
  private fastLoad = 0;
  private weather = 0;
  private fouling = 0;
  /** Decay and innovation factors of the processes for the last interval; ticks are regular, so they rarely change. */
  private cachedDt = Number.NaN;
  private readonly decay = new Float64Array(4);
  private readonly innovation = new Float64Array(4);

  constructor(seed: Seed, index: number, anomalies: AnomalyOptions = DEFAULT_ANOMALIES) {
    validateAnomalies(anomalies);
    this.character = drawCharacter(new SeededRandom(deriveSeed(seed, index, UNIT_STREAM.character)));
    this.signal = new SeededRandom(deriveSeed(seed, index, UNIT_STREAM.signal));
    // Anomalies draw from their own stream so that turning them on or off leaves the signals unchanged.
    this.anomaly = new SeededRandom(deriveSeed(seed, index, UNIT_STREAM.anomaly));
    this.badBelow = anomalies.badQualityProbability;
    this.uncertainBelow = this.badBelow + anomalies.uncertainQualityProbability;
    this.outlierBelow = this.uncertainBelow + anomalies.outlierProbability;
  }

  step(tMs: number): UnitFrame {
    this.advance(tMs);
    const c = this.character;
    const rng = this.signal;
    const frame = this.frame;
    const base = frame.baseline;

    const demand =
      c.loadBase +
      c.loadDailyAmplitude * Math.cos(DAY_ANGULAR * (tMs - c.loadPeakMs)) +
      c.loadSecondAmplitude * Math.cos(2 * DAY_ANGULAR * (tMs - c.loadSecondPeakMs)) +
      this.slowLoad +
      this.fastLoad;
    const load = softClamp(demand, 0, 1, 0.1);

    const flowSpan = c.flowMax - c.flowMin;
    const flow = c.flowMin + flowSpan * load + rng.normal(0, NOISE[FLOW_RATE]);
    // Power and pressure follow the measured flow, noise included: that is what couples them on a chart.
    const x = (flow - c.flowMin) / flowSpan;
    const power = c.powerIdle + (c.powerMax - c.powerIdle) * (0.6 * x + 0.4 * x * x) + rng.normal(0, NOISE[POWER]);
    const q = flow / c.flowMax;
    const pressure =
      c.staticHead + (c.headAtMaxFlow - c.staticHead) * q * q + this.fouling + rng.normal(0, NOISE[PRESSURE]);
    const temperature =
      c.ambientMean +
      c.tempDailyAmplitude * Math.cos(DAY_ANGULAR * (tMs - c.tempPeakMs)) +
      this.weather +
      c.heatGain * load +
      rng.normal(0, NOISE[TEMPERATURE]);

    base[TEMPERATURE] = temperature;
    base[PRESSURE] = pressure;
    base[FLOW_RATE] = flow;
    base[POWER] = power;
    for (let i = 0; i < SENSOR_COUNT; i++) {
      const spec = SENSOR_SPECS[i];
      base[i] = softClamp(base[i], spec.min, spec.max, SOFT_MARGIN * (spec.max - spec.min));
      frame.values[i] = base[i];
      frame.qualities[i] = 'GOOD';
    }
    frame.transmitting = true;
    if (this.outlierBelow > 0) this.applyAnomalies();
    return frame;
  }

  private advance(tMs: number): void {
    const rng = this.signal;
    if (Number.isNaN(this.lastT)) {
      // Start from the stationary distribution, so the first hour looks like any other.
      this.slowLoad = rng.normal(0, SLOW_LOAD.sd);
      this.fastLoad = rng.normal(0, FAST_LOAD.sd);
      this.weather = rng.normal(0, WEATHER.sd);
      this.fouling = rng.normal(0, FOULING.sd);
      this.lastT = tMs;
      return;
    }
    const dt = Math.max(0, tMs - this.lastT);
    this.lastT = Math.max(this.lastT, tMs);
    if (dt !== this.cachedDt) {
      this.cachedDt = dt;
      for (let i = 0; i < TIME_CONSTANTS.length; i++) {
        const a = Math.exp(-dt / TIME_CONSTANTS[i]);
        this.decay[i] = a;
        this.innovation[i] = Math.sqrt(1 - a * a);
      }
    }
    // Always four draws, whatever dt, so the stream stays aligned with the sequence of steps.
    this.slowLoad = this.slowLoad * this.decay[0] + SLOW_LOAD.sd * this.innovation[0] * rng.normal();
    this.fastLoad = this.fastLoad * this.decay[1] + FAST_LOAD.sd * this.innovation[1] * rng.normal();
    this.weather = this.weather * this.decay[2] + WEATHER.sd * this.innovation[2] * rng.normal();
    this.fouling = this.fouling * this.decay[3] + FOULING.sd * this.innovation[3] * rng.normal();
  }

  private applyAnomalies(): void {
    const rng = this.anomaly;
    const frame = this.frame;
    for (let i = 0; i < SENSOR_COUNT; i++) {
      const u = rng.next();
      if (u >= this.outlierBelow) continue;
      if (u < this.badBelow) frame.qualities[i] = 'BAD';
      else if (u < this.uncertainBelow) frame.qualities[i] = 'UNCERTAIN';
      else {
        const spec = SENSOR_SPECS[i];
        const sign = rng.next() < 0.5 ? -1 : 1;
        frame.values[i] += sign * rng.uniform(0.15, 0.35) * (spec.max - spec.min);
      }
    }
  }
}
