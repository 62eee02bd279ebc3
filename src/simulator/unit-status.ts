import type { SeededRandom } from './seeded-random.js';

/** What a unit announces on `{prefix}/{unit_id}/status`. */
export type UnitStatus = 'online' | 'offline' | 'maintenance';
export const UNIT_STATUSES: readonly UnitStatus[] = ['online', 'offline', 'maintenance'];

/** How often units leave service by themselves. A mean time between events of 0 turns that event off. */
export interface UnitStatusOptions {
  /** Mean running time before a unit drops offline unprompted (ms); 0 = never. */
  meanTimeBetweenFailuresMs: number;
  /** Mean length of an unprompted outage (ms). */
  meanTimeToRepairMs: number;
  /** Mean running time before a unit goes into maintenance (ms); 0 = never. */
  meanTimeBetweenMaintenanceMs: number;
  /** Mean length of a maintenance window (ms). */
  meanMaintenanceDurationMs: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * With five units, an outage somewhere about every 50 minutes and a maintenance window about every 2.4 hours:
 * often enough that the status path is seen in a demo, rare enough that the plant mostly runs.
 */
export const DEFAULT_UNIT_STATUS: Readonly<UnitStatusOptions> = {
  meanTimeBetweenFailuresMs: 4 * HOUR_MS,
  meanTimeToRepairMs: 3 * MINUTE_MS,
  meanTimeBetweenMaintenanceMs: 12 * HOUR_MS,
  meanMaintenanceDurationMs: 15 * MINUTE_MS,
};

/** Units that never change status by themselves (tests, load runs). */
export const ALWAYS_ONLINE: Readonly<UnitStatusOptions> = {
  meanTimeBetweenFailuresMs: 0,
  meanTimeToRepairMs: 3 * MINUTE_MS,
  meanTimeBetweenMaintenanceMs: 0,
  meanMaintenanceDurationMs: 15 * MINUTE_MS,
};

export function validateUnitStatusOptions(options: UnitStatusOptions): void {
  for (const [name, ms] of Object.entries(options) as [string, number][]) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Unit status ${name} must be a finite number >= 0`);
  }
  if (options.meanTimeToRepairMs <= 0 || options.meanMaintenanceDurationMs <= 0)
    throw new RangeError('Unit status outage and maintenance durations must be > 0');
}

/**
 * A unit's own status as a continuous-time Markov chain: from online, failure and maintenance compete as two
 * exponential clocks; each ends after an exponential duration, back to online. Transition times are drawn
 * ahead as absolute times, so the sequence of states does not depend on how often it is sampled.
 */
export class UnitStatusProcess {
  private current: UnitStatus;
  private nextChangeAt = Number.NaN;
  private readonly failureRate: number;
  private readonly maintenanceRate: number;

  constructor(
    private readonly rng: SeededRandom,
    private readonly options: UnitStatusOptions,
    initial: UnitStatus = 'online',
  ) {
    validateUnitStatusOptions(options);
    this.current = initial;
    this.failureRate = options.meanTimeBetweenFailuresMs > 0 ? 1 / options.meanTimeBetweenFailuresMs : 0;
    this.maintenanceRate = options.meanTimeBetweenMaintenanceMs > 0 ? 1 / options.meanTimeBetweenMaintenanceMs : 0;
  }

  get status(): UnitStatus {
    return this.current;
  }

  /** The status in force at `tMs`. Time never goes back: an earlier time returns the latest status. */
  statusAt(tMs: number): UnitStatus {
    if (Number.isNaN(this.nextChangeAt)) this.nextChangeAt = tMs + this.dwell();
    while (tMs >= this.nextChangeAt) {
      this.current = this.following();
      this.nextChangeAt += this.dwell();
    }
    return this.current;
  }

  private dwell(): number {
    switch (this.current) {
      case 'online': {
        const rate = this.failureRate + this.maintenanceRate;
        return rate > 0 ? this.rng.exponential(1 / rate) : Number.POSITIVE_INFINITY;
      }
      case 'offline':
        return this.rng.exponential(this.options.meanTimeToRepairMs);
      case 'maintenance':
        return this.rng.exponential(this.options.meanMaintenanceDurationMs);
    }
  }

  private following(): UnitStatus {
    if (this.current !== 'online') return 'online';
    const rate = this.failureRate + this.maintenanceRate;
    return this.rng.next() * rate < this.failureRate ? 'offline' : 'maintenance';
  }
}
