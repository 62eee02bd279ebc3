import {
  DAY_MS,
  FLOW_RATE,
  NO_ANOMALIES,
  NORMAL_RANGES,
  POWER,
  PRESSURE,
  SENSOR_COUNT,
  SENSOR_SPECS,
  SENSOR_TYPES,
  TEMPERATURE,
  UnitModel,
  frameReadings,
  softClamp,
  validateAnomalies,
} from './unit-model.js';

/** Midnight UTC, so hours of the simulated day are hours of the clock. */
const T0 = Date.UTC(2025, 0, 6);
const HOUR = 3_600_000;

/** Steps a unit and copies each frame's values, sensor by sensor. */
function record(model: UnitModel, startMs: number, stepMs: number, steps: number): number[][] {
  const series: number[][] = SENSOR_TYPES.map(() => []);
  for (let k = 0; k < steps; k++) {
    const frame = model.step(startMs + k * stepMs);
    for (let i = 0; i < SENSOR_COUNT; i++) series[i].push(frame.values[i]);
  }
  return series;
}

function correlation(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('UnitModel', () => {
  it('repeats the same readings for the same seed and index over a simulated day', () => {
    const run = (): number[][] => record(new UnitModel(2025, 3), T0, 10_000, 8640);
    expect(run()).toEqual(run());
  });

  it('gives each unit its own character, derived from the seed and its index', () => {
    const a = new UnitModel(2025, 0).character;
    expect(new UnitModel(2025, 0).character).toEqual(a);
    expect(new UnitModel(2025, 1).character).not.toEqual(a);
    expect(new UnitModel(2026, 0).character).not.toEqual(a);
  });

  it('stays inside the documented ranges over a simulated day, for many units, and uses them', () => {
    for (let index = 0; index < 25; index++) {
      const series = record(new UnitModel(11, index, NO_ANOMALIES), T0, 10_000, 8640);
      SENSOR_TYPES.forEach((type, i) => {
        const { min, max } = NORMAL_RANGES[type];
        const low = Math.min(...series[i]);
        const high = Math.max(...series[i]);
        expect(low).toBeGreaterThanOrEqual(min);
        expect(high).toBeLessThanOrEqual(max);
        // A signal that barely moves would pass the range check and still be useless on a chart.
        expect(high - low).toBeGreaterThan(0.05 * (max - min));
      });
    }
  });

  it('stays inside the ranges with one-second and one-hour ticks too', () => {
    for (const stepMs of [1_000, HOUR]) {
      const series = record(new UnitModel(12, 0, NO_ANOMALIES), T0, stepMs, 5000);
      SENSOR_TYPES.forEach((type, i) => {
        expect(Math.min(...series[i])).toBeGreaterThanOrEqual(NORMAL_RANGES[type].min);
        expect(Math.max(...series[i])).toBeLessThanOrEqual(NORMAL_RANGES[type].max);
      });
    }
  });

  it('couples flow with power, and pressure with flow, over a day', () => {
    for (let index = 0; index < 10; index++) {
      const series = record(new UnitModel(13, index, NO_ANOMALIES), T0, 60_000, 1440);
      expect(correlation(series[FLOW_RATE], series[POWER])).toBeGreaterThan(0.5);
      expect(correlation(series[FLOW_RATE], series[PRESSURE])).toBeGreaterThan(0.5);
    }
  });

  it('follows a daily cycle: afternoons are warmer than nights', () => {
    for (let index = 0; index < 5; index++) {
      const model = new UnitModel(14, index, NO_ANOMALIES);
      let afternoon = 0;
      let night = 0;
      for (let k = 0; k < 7 * 24 * 12; k++) {
        const t = T0 + k * 5 * 60_000;
        const hour = ((t - T0) % DAY_MS) / HOUR;
        const temperature = model.step(t).values[TEMPERATURE];
        if (hour >= 14 && hour < 16) afternoon += temperature;
        if (hour >= 3 && hour < 5) night += temperature;
      }
      expect(afternoon / (7 * 24)).toBeGreaterThan(night / (7 * 24) + 3);
    }
  });

  it('moves in slow trends with noise on top, not as white noise', () => {
    const series = record(new UnitModel(15, 0, NO_ANOMALIES), T0, 10_000, 8640);
    for (const i of [TEMPERATURE, FLOW_RATE]) {
      const xs = series[i];
      expect(correlation(xs.slice(0, -1), xs.slice(1))).toBeGreaterThan(0.9);
    }
  });

  it('tolerates repeated and earlier times: nothing evolves, nothing breaks', () => {
    const model = new UnitModel(16, 0, NO_ANOMALIES);
    model.step(T0 + HOUR);
    const again = model.step(T0 + HOUR).values[FLOW_RATE];
    const earlier = model.step(T0).values[FLOW_RATE];
    const later = model.step(T0 + HOUR + 1000).values;
    for (const v of [again, earlier, ...later]) expect(Number.isFinite(v)).toBe(true);
  });

  it('sends GOOD values equal to the process values when anomalies are off', () => {
    const model = new UnitModel(17, 0, NO_ANOMALIES);
    let differing = 0;
    for (let k = 0; k < 2000; k++) {
      const frame = model.step(T0 + k * 1000);
      for (let i = 0; i < SENSOR_COUNT; i++) {
        if (!frame.transmitting || frame.qualities[i] !== 'GOOD' || frame.values[i] !== frame.baseline[i]) differing++;
      }
    }
    expect(differing).toBe(0);
  });

  it('produces BAD, UNCERTAIN and outlier readings at about their configured rates', () => {
    const anomalies = { badQualityProbability: 0.05, uncertainQualityProbability: 0.03, outlierProbability: 0.02 };
    let bad = 0;
    let uncertain = 0;
    let outliers = 0;
    let total = 0;
    const jumps: number[] = [];
    for (let index = 0; index < 20; index++) {
      const model = new UnitModel(18, index, anomalies);
      for (let k = 0; k < 2500; k++) {
        const frame = model.step(T0 + k * 1000);
        for (let i = 0; i < SENSOR_COUNT; i++) {
          total++;
          if (frame.qualities[i] === 'BAD') bad++;
          else if (frame.qualities[i] === 'UNCERTAIN') uncertain++;
          else if (frame.values[i] !== frame.baseline[i]) {
            outliers++;
            const spec = SENSOR_SPECS[i];
            jumps.push(Math.abs(frame.values[i] - frame.baseline[i]) / (spec.max - spec.min));
          }
        }
      }
    }
    // 200,000 readings: one standard deviation of the 5 % rate is 0.05 points; these bounds are about 5 of them.
    expect(bad / total).toBeGreaterThan(0.047);
    expect(bad / total).toBeLessThan(0.053);
    expect(uncertain / total).toBeGreaterThan(0.027);
    expect(uncertain / total).toBeLessThan(0.033);
    expect(outliers / total).toBeGreaterThan(0.018);
    expect(outliers / total).toBeLessThan(0.022);
    expect(Math.min(...jumps)).toBeGreaterThanOrEqual(0.15);
    expect(Math.max(...jumps)).toBeLessThanOrEqual(0.35);
  });

  it('leaves the process values untouched by the anomaly settings', () => {
    const clean = new UnitModel(19, 2, NO_ANOMALIES);
    const noisy = new UnitModel(19, 2, {
      badQualityProbability: 0.2,
      uncertainQualityProbability: 0.2,
      outlierProbability: 0.2,
    });
    for (let k = 0; k < 1000; k++) {
      const t = T0 + k * 1000;
      expect(Array.from(noisy.step(t).baseline)).toEqual(Array.from(clean.step(t).baseline));
    }
  });

  it('rejects anomaly probabilities outside [0, 1] or adding up to more than 1', () => {
    expect(() => validateAnomalies({ ...NO_ANOMALIES, badQualityProbability: -0.1 })).toThrow(/badQualityProbability/);
    expect(() => validateAnomalies({ ...NO_ANOMALIES, outlierProbability: Number.NaN })).toThrow(RangeError);
    expect(() =>
      validateAnomalies({ badQualityProbability: 0.5, uncertainQualityProbability: 0.4, outlierProbability: 0.2 }),
    ).toThrow(/at most 1/);
    expect(() => new UnitModel(1, 0, { ...NO_ANOMALIES, uncertainQualityProbability: 2 })).toThrow(RangeError);
  });

  it('lists a frame as readings with sensor types', () => {
    const readings = frameReadings(new UnitModel(20, 0, NO_ANOMALIES).step(T0));
    expect(readings.map((r) => r.sensor_type)).toEqual(['temperature', 'pressure', 'flow_rate', 'power']);
    expect(readings.every((r) => r.quality === 'GOOD' && Number.isFinite(r.value))).toBe(true);
  });
});

describe('softClamp', () => {
  it('is the identity inside the margins and never passes the limits', () => {
    expect(softClamp(5, 0, 10, 1)).toBe(5);
    expect(softClamp(9, 0, 10, 1)).toBe(9);
    for (const x of [-1e9, -5, -0.5, 0.5, 9.5, 10, 12, 1e9]) {
      const y = softClamp(x, 0, 10, 1);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(10);
    }
  });

  it('keeps order: a larger input never gives a smaller output', () => {
    let previous = -Infinity;
    let inversions = 0;
    for (let x = -5; x <= 15; x += 0.01) {
      const y = softClamp(x, 0, 10, 1);
      if (y < previous) inversions++;
      previous = y;
    }
    expect(inversions).toBe(0);
  });
});
