import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import type { Quality } from '../common/bus/event-map.js';
import { DatabasePool } from '../common/database/database.pool.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { LatestValueTable, type LatestValue } from './latest-values.js';

const FILL_RETRY_MS = 5000;

/**
 * The latest value of every sensor, kept current by the pipeline (readings.processed) and filled from the
 * database at start-up, so the first screen after a restart is not empty. Serves REST `latest` queries and the
 * snapshot a Socket.IO client gets when it subscribes to a unit, without a database round trip.
 */
@Injectable()
export class LatestValues implements OnModuleInit, OnApplicationShutdown {
  private readonly table = new LatestValueTable();
  private readonly errorLog = new ThrottledLogger(new Logger(LatestValues.name));
  private fillDone = false;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly db: DatabasePool,
  ) {}

  onModuleInit(): void {
    // Subscribe first: a reading processed while the database answers must not be lost, and the table keeps the
    // newer of the two whichever arrives last.
    this.bus.on('readings.processed', LatestValues.name, (batch) => this.table.update(batch.readings));
    // The fill runs in the background and is retried: start-up (and liveness) never wait on it, and a database
    // that is down or mid-migration only delays the values a screen sees after a restart.
    void this.fill();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  /** True once the values stored before start-up are in the table. */
  get filled(): boolean {
    return this.fillDone;
  }

  private async fill(): Promise<void> {
    try {
      // One index probe per sensor on the (sensor_id, time) primary key, whatever the table's size.
      const rows = await this.db.query<{
        unit_id: string;
        sensor_type: string;
        value: number;
        quality: Quality;
        time_ms: number;
      }>(
        `SELECT s.unit_id, s.sensor_type, r.value, r.quality, extract(epoch FROM r.time) * 1000 AS time_ms
           FROM sensors s
           CROSS JOIN LATERAL (
             SELECT value, quality, time FROM sensor_readings WHERE sensor_id = s.id ORDER BY time DESC LIMIT 1
           ) r`,
      );
      for (const row of rows) {
        this.table.offer(row.unit_id, row.sensor_type, row.value, row.quality, Number(row.time_ms));
      }
      this.fillDone = true;
    } catch (err) {
      if (this.stopped) return;
      this.errorLog.warn(
        'fill',
        `Latest values not loaded from the database yet (${err instanceof Error ? err.message : String(err)}); retrying in ${FILL_RETRY_MS / 1000} s`,
      );
      this.retry = setTimeout(() => void this.fill(), FILL_RETRY_MS);
    }
  }

  /**
   * Takes in readings another instance ingested (Socket.IO scale-out over Redis), so this instance's snapshot and
   * REST `latest` are current too although its own pipeline never saw them.
   */
  offerRemote(
    unitId: string,
    readings: readonly { sensor_type: string; value: number; quality: Quality; timestamp: string }[],
  ): void {
    for (const r of readings) {
      const time = Date.parse(r.timestamp);
      if (Number.isFinite(time)) this.table.offer(unitId, r.sensor_type, r.value, r.quality, time);
    }
  }

  /** The unit's sensors with their latest values; undefined for a unit that has never sent a reading. */
  unit(unitId: string): LatestValue[] | undefined {
    return this.table.unit(unitId);
  }

  has(unitId: string): boolean {
    return this.table.has(unitId);
  }

  unitIds(): string[] {
    return this.table.unitIds();
  }

  get size(): number {
    return this.table.size;
  }
}
