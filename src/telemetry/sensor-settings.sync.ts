import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import { type PointKind, type PointState, stateTableFor } from '../processor/point-kind.js';
import type { SensorSettings } from '../processor/sensor-settings.js';
import { SensorSettingsCache } from '../processor/sensor-settings.cache.js';
import type { Sensor } from './entities/sensor.entity.js';

/** How often settings changed through other instances (or by hand in SQL) are picked up. */
const REFRESH_INTERVAL_MS = 5000;
/** The refresh's name in the SchedulerRegistry. */
const REFRESH_JOB = 'sensor-settings-refresh';
/**
 * Each refresh re-reads changes this far behind the newest one it has seen: a change whose timestamp was taken
 * just before a refresh but committed just after it would otherwise be skipped for good.
 */
const REFRESH_OVERLAP = '1 minute';

const SELECT_CHANGED = `
  SELECT unit_id, sensor_type, scale_factor, "offset", valid_min, valid_max, kind, states, settings_updated_at
  FROM sensors
  WHERE settings_updated_at > $1::timestamptz - interval '${REFRESH_OVERLAP}'`;

interface SettingsRow {
  unit_id: string;
  sensor_type: string;
  scale_factor: number;
  offset: number;
  valid_min: number | null;
  valid_max: number | null;
  kind: PointKind | null;
  states: PointState[] | null;
  settings_updated_at: Date;
}

/** The part of a sensor the processor applies. */
export function settingsOf(
  sensor: Pick<Sensor, 'scaleFactor' | 'offset' | 'validMin' | 'validMax' | 'kind' | 'states'>,
): SensorSettings {
  const kind = sensor.kind ?? 'analog';
  return {
    scaleFactor: sensor.scaleFactor,
    offset: sensor.offset,
    validMin: sensor.validMin,
    validMax: sensor.validMax,
    kind,
    states: stateTableFor(kind, sensor.states),
  };
}

/**
 * Keeps the processor's SensorSettingsCache equal to the sensors table: loads every sensor's settings before
 * readings flow, applies this instance's own changes at once (`apply`), and every few seconds picks up the sensors
 * whose settings changed elsewhere (another instance behind the load balancer, or an SQL edit) with one indexed
 * query on settings_updated_at, not a reload of the table.
 */
@Injectable()
export class SensorSettingsSync implements OnModuleInit, OnModuleDestroy {
  private readonly errorLog = new ThrottledLogger(new Logger(SensorSettingsSync.name));
  private newestChange: Date | undefined;

  constructor(
    private readonly db: DatabasePool,
    private readonly cache: SensorSettingsCache,
    private readonly jobs: PeriodicJobs,
  ) {}

  async onModuleInit(): Promise<void> {
    // Awaited by Nest before MQTT connects (onApplicationBootstrap): no reading is processed with missing settings.
    await this.refresh();
    // PeriodicJobs does not start a refresh while the last one runs: a slow database never stacks them up.
    this.jobs.every(REFRESH_JOB, REFRESH_INTERVAL_MS, () => this.refreshQuietly());
  }

  onModuleDestroy(): void {
    this.jobs.stop(REFRESH_JOB);
  }

  /** Puts a sensor's settings, as just committed by this instance, into effect. */
  apply(sensor: Sensor): void {
    this.cache.put(sensor.unitId, sensor.sensorType, settingsOf(sensor), sensor.settingsUpdatedAt.getTime());
  }

  /** Reads the sensors whose settings changed since the last look (all of them the first time). */
  async refresh(): Promise<void> {
    const rows = await this.db.query<SettingsRow>(SELECT_CHANGED, [this.newestChange ?? '-infinity']);
    for (const row of rows) {
      const settings = settingsOf({
        scaleFactor: row.scale_factor,
        offset: row.offset,
        validMin: row.valid_min,
        validMax: row.valid_max,
        kind: row.kind,
        states: row.states,
      });
      const changed = row.settings_updated_at;
      this.cache.put(row.unit_id, row.sensor_type, settings, changed.getTime());
      if (this.newestChange === undefined || changed > this.newestChange) this.newestChange = changed;
    }
  }

  private async refreshQuietly(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      this.errorLog.error(
        'refresh',
        `Refreshing sensor settings failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
