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

  /**
   * Reads these units' latest stored values into the table (it keeps the newer of each). With several instances,
   * peers send only the readings of units this one watches: a unit it starts watching is read from the database
   * first, so the subscriber's first screen is current. Throws when the database does.
   */
  async reload(unitIds: readonly string[]): Promise<void> {
    if (unitIds.length > 0) await this.load(unitIds);
  }

  /** Every sensor's (or these units' sensors') latest stored value, into the table. */
  private async load(unitIds?: readonly string[]): Promise<void> {
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
         ) r
        ${unitIds === undefined ? '' : 'WHERE s.unit_id = ANY ($1::varchar[])'}`,
      unitIds === undefined ? [] : [unitIds],
    );
    for (const row of rows) {
      this.table.offer(row.unit_id, row.sensor_type, row.value, row.quality, Number(row.time_ms));
    }
  }

  private async fill(): Promise<void> {
    try {
      await this.load();
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
   * REST `latest` are current too although its own pipeline never saw them. Peers send only units this instance
   * watches, so other units are as current as this instance's own ingest and its start-up fill.
   */
  offerRemote(
    unitId: string,
    readings: readonly { sensor_type: string; value: number; quality: Quality }[],
    times: readonly number[],
  ): void {
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i];
      this.table.offer(unitId, r.sensor_type, r.value, r.quality, times[i]);
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
