import { SeededRandom } from './seeded-random.js';
import {
  ALWAYS_ONLINE,
  DEFAULT_UNIT_STATUS,
  UnitStatusProcess,
  validateUnitStatusOptions,
  type UnitStatus,
  type UnitStatusOptions,
} from './unit-status.js';

const T0 = Date.UTC(2025, 0, 6);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Failures every hour, maintenance every two, so a simulated month has hundreds of transitions. */
const BUSY: UnitStatusOptions = {
  meanTimeBetweenFailuresMs: 60 * MINUTE,
  meanTimeToRepairMs: 10 * MINUTE,
  meanTimeBetweenMaintenanceMs: 120 * MINUTE,
  meanMaintenanceDurationMs: 20 * MINUTE,
};

function sample(seed: number, options: UnitStatusOptions, stepMs: number, durationMs: number): UnitStatus[] {
  const process = new UnitStatusProcess(new SeededRandom(seed), options);
  const statuses: UnitStatus[] = [];
  for (let t = T0; t < T0 + durationMs; t += stepMs) statuses.push(process.statusAt(t));
  return statuses;
}

describe('UnitStatusProcess', () => {
  it('starts online and stays there when status changes are off', () => {
    expect(new Set(sample(1, ALWAYS_ONLINE, 10 * MINUTE, 365 * DAY))).toEqual(new Set(['online']));
  });

  it('repeats the same sequence for the same seed, and another for another seed', () => {
    expect(sample(2, BUSY, MINUTE, 30 * DAY)).toEqual(sample(2, BUSY, MINUTE, 30 * DAY));
    expect(sample(3, BUSY, MINUTE, 30 * DAY)).not.toEqual(sample(2, BUSY, MINUTE, 30 * DAY));
  });

  it('changes at the same instants however often it is sampled', () => {
    const everySecond = sample(4, BUSY, 1000, 2 * DAY);
    const everyMinute = sample(4, BUSY, MINUTE, 2 * DAY);
    expect(everySecond.filter((_, i) => i % 60 === 0)).toEqual(everyMinute);
  });

  it('spends the expected share of time in each state', () => {
    // Online lasts 1/(1/60 + 1/120) = 40 min on average, then 2/3 of exits are 10-min outages and 1/3 are
    // 20-min maintenance windows: per 53.3 min cycle, 40 online, 6.7 offline, 6.7 in maintenance.
    const statuses = sample(5, BUSY, MINUTE, 1000 * DAY);
    const share = (status: UnitStatus): number => statuses.filter((s) => s === status).length / statuses.length;
    expect(share('online')).toBeCloseTo(0.75, 1);
    expect(Math.abs(share('offline') - 0.125)).toBeLessThan(0.01);
    expect(Math.abs(share('maintenance') - 0.125)).toBeLessThan(0.01);
  });

  it('keeps outages about as long as the mean time to repair', () => {
    const statuses = sample(6, BUSY, MINUTE, 300 * DAY);
    const outages: number[] = [];
    let run = 0;
    for (const status of statuses) {
      if (status === 'offline') run++;
      else if (run > 0) {
        outages.push(run);
        run = 0;
      }
    }
    const mean = outages.reduce((s, x) => s + x, 0) / outages.length;
    // Minute sampling rounds each outage; the mean of ~5,400 exponential durations lands within a minute.
    expect(outages.length).toBeGreaterThan(2000);
    expect(Math.abs(mean - 10)).toBeLessThan(1);
  });

  it('keeps its latest status when asked about an earlier time', () => {
    const process = new UnitStatusProcess(new SeededRandom(7), BUSY);
    const later = process.statusAt(T0 + 5 * DAY);
    expect(process.statusAt(T0)).toBe(later);
    expect(process.status).toBe(later);
  });

  it('rejects negative, infinite and zero-length settings', () => {
    expect(() => validateUnitStatusOptions(DEFAULT_UNIT_STATUS)).not.toThrow();
    expect(() => validateUnitStatusOptions({ ...BUSY, meanTimeBetweenFailuresMs: -1 })).toThrow(
      /meanTimeBetweenFailuresMs/,
    );
    expect(() => validateUnitStatusOptions({ ...BUSY, meanTimeToRepairMs: Infinity })).toThrow(RangeError);
    expect(() => validateUnitStatusOptions({ ...BUSY, meanMaintenanceDurationMs: 0 })).toThrow(/> 0/);
  });
});
