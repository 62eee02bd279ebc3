import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import type { ProcessedReading, ProcessedUnitStatus, ReadingBatch, UnitStatusChange } from '../common/bus/event-map.js';
import { DatabasePool } from '../common/database/database.pool.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats } from '../common/metrics/pipeline-stats.js';
import { WriteMetrics } from '../common/metrics/write-metrics.js';
import { AppConfig } from '../config/app-config.js';
import { SensorRegistry } from './sensor.registry.js';
import { UnitStatusWriter } from './unit-status.writer.js';

type ProcessedBatch = ReadingBatch<ProcessedReading, ProcessedUnitStatus>;

/**
 * One statement per write, whatever the row count: arrays in, rows out. Time travels as integer microseconds
 * since the epoch so it is stored exactly (and a redelivered reading hits the same key). ON CONFLICT DO NOTHING
 * absorbs redeliveries. COPY would be faster on a real server but breaks PGlite's socket server.
 */
const INSERT_READINGS = `
  INSERT INTO sensor_readings (sensor_id, time, value, quality)
  SELECT r.sensor_id, timestamptz 'epoch' + r.time_us * interval '1 microsecond', r.value, r.quality
  FROM unnest($1::int4[], $2::int8[], $3::float8[], $4::varchar[]) AS r(sensor_id, time_us, value, quality)
  ON CONFLICT DO NOTHING`;

/**
 * last_seen of the batch's sensors and of their units, in one statement. The database clock, as for first_seen:
 * one clock for every instance, and first_seen <= last_seen always holds.
 */
const UPDATE_LAST_SEEN = `
  WITH seen AS (UPDATE sensors SET last_seen = now() WHERE id = ANY ($1::int4[]) RETURNING unit_id)
  UPDATE units SET last_seen = now() WHERE id IN (SELECT unit_id FROM seen)`;

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5000;

/**
 * Writes processed readings to sensor_readings in as few statements as possible and settles each batch's
 * acknowledgement after its commit, in arrival order. A batch's unit statuses are written in the same step (one
 * more statement), so its acknowledgement waits for them too; `units.status_changed` announces the statuses
 * that were set. A failed write is retried (with backoff) until it succeeds: both statements are idempotent, and
 * the PUBACKs stay held, so nothing is acknowledged that is not stored. Memory is bounded by the broker's
 * in-flight window for QoS 1; QoS 0 batches beyond WRITER_MAX_PENDING are dropped and counted.
 */
@Injectable()
export class ReadingWriter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReadingWriter.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  private queue: ProcessedBatch[] = [];
  /** When each queued batch arrived (performance.now()), in queue order: the age of the oldest one is reported. */
  private queuedAt: number[] = [];
  private queuedReadings = 0;
  private writing: Promise<void> | undefined;
  private retryDelay = RETRY_MIN_MS;
  private stopping = false;
  /** Most recent write failure, cleared by the next success. */
  lastError: string | undefined;

  constructor(
    private readonly db: DatabasePool,
    private readonly registry: SensorRegistry,
    private readonly statuses: UnitStatusWriter,
    private readonly bus: EventBus,
    private readonly stats: PipelineStats,
    private readonly config: AppConfig,
    private readonly metrics: WriteMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.registry.load();
    this.bus.on('readings.processed', ReadingWriter.name, (batch) => this.enqueue(batch));
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.stopping) await this.settle(Date.now() + 5000);
    this.stopping = true;
  }

  /**
   * Gives up on what is queued (a shutdown whose drain ran out of time): no new write starts. Nothing queued was
   * acknowledged, so the broker delivers it again to the next session.
   */
  abandon(): void {
    this.stopping = true;
  }

  /**
   * Waits until every queued batch is committed (and acknowledged), or `deadline` (epoch ms) passes; true when
   * the queue is empty. Used by the graceful shutdown once intake has stopped.
   */
  async settle(deadline: number): Promise<boolean> {
    while ((this.queue.length > 0 || this.writing) && Date.now() < deadline) {
      // Bounded waits: a write retrying against a dead database must not hold the caller past its deadline.
      const tick = new Promise((r) => setTimeout(r, Math.max(1, Math.min(50, deadline - Date.now()))));
      await (this.writing ? Promise.race([this.writing, tick]) : tick);
    }
    return this.queue.length === 0 && this.writing === undefined;
  }

  /** Readings waiting for the database. */
  get pending(): number {
    return this.queuedReadings;
  }

  /** Batches waiting for the database. */
  get pendingBatches(): number {
    return this.queue.length;
  }

  /** How long the oldest waiting batch has been queued, in ms (0 when none waits). */
  get oldestPendingAgeMs(): number {
    return this.queuedAt.length === 0 ? 0 : performance.now() - this.queuedAt[0];
  }

  enqueue(batch: ProcessedBatch): void {
    const n = batch.readings.length;
    if (!batch.ack && this.queuedReadings + n > this.config.writerMaxPending) {
      this.stats.dropped += n;
      this.errorLog.error(
        'dropped',
        `Writer queue full (${this.queuedReadings} readings): dropped ${n} QoS 0 readings`,
      );
      return;
    }
    this.queue.push(batch);
    this.queuedAt.push(performance.now());
    this.queuedReadings += n;
    this.startDrain();
  }

  private startDrain(): void {
    // A batch queued after the loop's last check but before it settled starts the next drain itself.
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0 && !this.stopping) this.startDrain();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopping) {
      const take = this.takeBatches();
      const readings = take.flatMap((b) => b.readings);
      const statuses = take.flatMap((b) => b.statuses ?? []);
      let changes: UnitStatusChange[] = [];
      const started = performance.now();
      try {
        if (readings.length > 0) this.stats.stored += await this.write(readings);
        if (statuses.length > 0) changes = await this.statuses.apply(statuses);
        this.metrics.observe(readings.length, (performance.now() - started) / 1000);
        this.retryDelay = RETRY_MIN_MS;
        this.lastError = undefined;
      } catch (err) {
        this.stats.writeErrors++;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.errorLog.error(
          'write',
          `Writing ${readings.length} readings and ${statuses.length} statuses failed, retrying in ${this.retryDelay} ms: ${this.lastError}`,
        );
        await new Promise((r) => setTimeout(r, this.retryDelay));
        this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
        continue;
      }
      this.queue.splice(0, take.length);
      this.queuedAt.splice(0, take.length);
      this.queuedReadings -= readings.length;
      for (const batch of take) batch.ack?.settle();
      if (statuses.length > 0) {
        this.stats.statusApplied += changes.length;
        this.stats.statusSuperseded += statuses.length - changes.length;
        if (changes.length > 0) this.bus.emit('units.status_changed', { changes });
      }
    }
  }

  /** The batches at the head of the queue that fit in one statement (always at least one). */
  private takeBatches(): ProcessedBatch[] {
    let rows = 0;
    let count = 0;
    for (const batch of this.queue) {
      if (count > 0 && rows + batch.readings.length > this.config.writerMaxRows) break;
      rows += batch.readings.length;
      count++;
    }
    return this.queue.slice(0, count);
  }

  private async write(readings: ProcessedReading[]): Promise<number> {
    await this.registry.ensure(readings);
    const ids: number[] = new Array<number>(readings.length);
    const times: number[] = new Array<number>(readings.length);
    const values: number[] = new Array<number>(readings.length);
    const qualities: string[] = new Array<string>(readings.length);
    const seen = new Set<number>();
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i];
      const id = this.registry.idOf(r.unitId, r.sensorType)!;
      ids[i] = id;
      times[i] = Math.round(r.time * 1000);
      values[i] = r.value;
      qualities[i] = r.quality;
      seen.add(id);
    }
    // Array literals built directly: numbers and the three quality words need no escaping.
    const stored = await this.db.execute(INSERT_READINGS, [
      `{${ids.join(',')}}`,
      `{${times.join(',')}}`,
      `{${values.join(',')}}`,
      `{${qualities.join(',')}}`,
    ]);
    await this.updateLastSeen(seen);
    return stored;
  }

  /**
   * After the readings are committed, and outside the retry: last_seen is informative, and retrying it would
   * write the readings again (and count them as not stored). A failure (say, a deadlock with another instance
   * updating the same sensors) is logged; the sensor's next batch corrects it.
   */
  private async updateLastSeen(sensorIds: Set<number>): Promise<void> {
    try {
      await this.db.execute(UPDATE_LAST_SEEN, [`{${[...sensorIds].join(',')}}`]);
    } catch (err) {
      this.errorLog.error(
        'last_seen',
        `Updating last_seen failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
