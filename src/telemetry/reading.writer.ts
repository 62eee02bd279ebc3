import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import { Backoff } from '../common/backoff.js';
import { EventBus } from '../common/bus/event-bus.js';
import type {
  BatchAck,
  ProcessedBatch,
  ProcessedReading,
  ProcessedUnitStatus,
  UnitStatusChange,
} from '../common/bus/event-map.js';
import { DatabasePool } from '../common/database/database.pool.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats } from '../pipeline/pipeline-stats.js';
import { WriteMetrics } from './write.metrics.js';
import { AppConfig } from '../config/app-config.js';
import { type DeadLetter, DeadLetterWriter } from './dead-letter.writer.js';
import { LastSeenWriter } from './last-seen.writer.js';
import { SensorRegistry } from './sensor.registry.js';
import { UnitStatusWriter } from './unit-status.writer.js';
import { FOREIGN_KEY_VIOLATION, refusalOf, type WriteRefusal } from './write-refusal.js';

/**
 * One statement per write, whatever the row count: arrays in, one row out. Time travels as integer microseconds
 * since the epoch so it is stored exactly (and a redelivered reading hits the same key). ON CONFLICT DO NOTHING
 * absorbs redeliveries. COPY would be faster on a real server but breaks PGlite's socket server.
 *
 * sensor_readings has no foreign key to sensors (migration 1764000019000): its RI trigger ran a SELECT … FOR KEY
 * SHARE on sensors for every reading, about half of PostgreSQL's time per reading under a flood (psql, 5,000-row
 * batches: median 78 ms with the key, 50 ms for this statement without it). The statement does that check once:
 * `known` locks the batch's distinct sensors ($5) FOR KEY SHARE, as the RI trigger did row by row, so a concurrent
 * DELETE FROM sensors waits for this commit (and its trigger then deletes these readings too), or, when it committed
 * first, its sensors are not in `known`: their readings are left out and their ids come back in `missing`. The same
 * text runs on PostgreSQL, on TimescaleDB (an INSERT into the hypertable inside a data-modifying CTE, ON CONFLICT
 * included, 2.28) and on PGlite.
 */
const INSERT_READINGS = `
  WITH known AS (SELECT id FROM sensors WHERE id = ANY ($5::int4[]) FOR KEY SHARE),
  written AS (
    INSERT INTO sensor_readings (sensor_id, time, value, quality)
    SELECT r.sensor_id, timestamptz 'epoch' + r.time_us * interval '1 microsecond', r.value, r.quality
    FROM unnest($1::int4[], $2::int8[], $3::float8[], $4::varchar[]) AS r(sensor_id, time_us, value, quality)
    WHERE r.sensor_id IN (SELECT id FROM known)
    ON CONFLICT DO NOTHING
    RETURNING 1)
  SELECT (SELECT count(*) FROM written)::int AS inserted,
         ARRAY(SELECT unnest($5::int4[]) EXCEPT SELECT id FROM known) AS missing`;

/** What INSERT_READINGS answers: rows written (redeliveries not counted), and the sensor ids that do not exist. */
interface InsertResult {
  inserted: number;
  missing: number[];
}

/** Missing sensor ids a refusal's message names; more are counted. */
const MAX_NAMED_MISSING = 20;

/** A sensor the registry could not give an id although its registration went through (should never happen). */
const UNRESOLVED: WriteRefusal = {
  sqlstate: FOREIGN_KEY_VIOLATION,
  reason: 'foreign_key_violation',
  constraint: null,
  message: 'the sensor has no id after its registration',
};

/** A batch waiting for the database, with the acknowledgement that waits for its commit. */
interface Queued {
  readings: readonly ProcessedReading[];
  statuses: readonly ProcessedUnitStatus[] | undefined;
  ack: BatchAck | undefined;
}

/** A run of readings the database refused as a whole, and why. */
interface Refused {
  readings: readonly ProcessedReading[];
  refusal: WriteRefusal;
}

/** A refusal of one INSERT; for sensors that no longer exist, which ones (the statement stored everything else). */
type InsertRefusal = WriteRefusal & { missingSensors?: ReadonlySet<number> };

/**
 * The writer stage of the pipeline (src/pipeline/reading-pipeline.service.ts), called directly, not a bus
 * listener: it alone holds each batch's acknowledgement, and settles it after the batch's commit, in arrival
 * order. Writes processed readings to sensor_readings in as few statements as possible; a batch's unit statuses
 * are written in the same step (one more statement), so its acknowledgement waits for them too, and
 * `units.status_changed` announces the statuses that were set.
 *
 * Failures are of two kinds. Transient ones (the database away, a timeout, a deadlock) are retried with capped
 * backoff and jitter until they pass: every statement is idempotent, and the PUBACKs stay held, so nothing is
 * acknowledged that is not stored. Refusals that never heal (SQLSTATE class 22 or 23: a check, not-null or
 * foreign-key violation) must not stop ingestion: the batch is split in halves (at most
 * WRITER_SPLIT_MAX_STATEMENTS statements) until the refused readings are isolated, the rest is stored, the refused
 * ones go to reading_dead_letters with their reason, and the batch is acknowledged. sensor_readings has no foreign
 * key (a per-row RI trigger cost about half of PostgreSQL's time per reading): the INSERT checks the batch's sensors
 * itself, once per statement, stores the readings of those that exist and names the others. A sensor deleted under
 * the cache is refused as a foreign-key violation naming the missing sensors: their ids are read (or the sensors
 * created) again and their readings tried once more; still missing, those are dead-lettered without a split.
 *
 * last_seen is noted after the commit and written by LastSeenWriter, throttled, off the ack path. Memory is
 * bounded by the broker's in-flight window for QoS 1; QoS 0 batches beyond WRITER_MAX_PENDING are dropped and
 * counted.
 */
@Injectable()
export class ReadingWriter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReadingWriter.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  private queue: Queued[] = [];
  /** When each queued batch arrived (performance.now()), in queue order: the age of the oldest one is reported. */
  private queuedAt: number[] = [];
  private queuedReadings = 0;
  private writing: Promise<void> | undefined;
  private readonly retry: Backoff;
  private stopping = false;
  /** Most recent write failure, cleared by the next success. */
  lastError: string | undefined;
  /** Unit statuses the database refused for good (logged and dropped: a status has no dead-letter row). */
  statusesRefused = 0;

  constructor(
    private readonly db: DatabasePool,
    private readonly registry: SensorRegistry,
    private readonly statuses: UnitStatusWriter,
    private readonly bus: EventBus,
    private readonly stats: PipelineStats,
    private readonly config: AppConfig,
    private readonly metrics: WriteMetrics,
    private readonly lastSeen: LastSeenWriter,
    private readonly deadLetters: DeadLetterWriter,
    // No provider in the app: the default below. Specs pass one with a seeded random.
    @Optional() retry?: Backoff,
  ) {
    this.retry = retry ?? new Backoff({ initialMs: 200, maxMs: 5000 });
  }

  async onModuleInit(): Promise<void> {
    await this.registry.load();
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

  /** Readings moved to reading_dead_letters since start. */
  get deadLettered(): number {
    return this.deadLetters.total;
  }

  /**
   * Takes a processed batch and the acknowledgement that waits for its commit (none for QoS 0 and OPC UA). False
   * when the batch was dropped: no ack to hold it back by, and WRITER_MAX_PENDING readings already wait.
   */
  enqueue(batch: ProcessedBatch, ack?: BatchAck): boolean {
    const n = batch.readings.length;
    if (!ack && this.queuedReadings + n > this.config.writerMaxPending) {
      this.stats.dropped += n;
      this.errorLog.error(
        'dropped',
        `Writer queue full (${this.queuedReadings} readings): dropped ${n} QoS 0 readings`,
      );
      return false;
    }
    this.queue.push({ readings: batch.readings, statuses: batch.statuses, ack });
    this.queuedAt.push(performance.now());
    this.queuedReadings += n;
    this.startDrain();
    return true;
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
      const stored = new Set<number>();
      let changes: UnitStatusChange[] = [];
      const started = performance.now();
      try {
        const dead: DeadLetter[] = [];
        if (readings.length > 0) await this.storeReadings(readings, stored, dead);
        if (statuses.length > 0) changes = await this.applyStatuses(statuses);
        // Last, so a transient failure before it retries the whole step (stored rows are absorbed) and a refused
        // reading is never dead-lettered twice.
        if (dead.length > 0) await this.deadLetters.add(dead);
        this.metrics.observe(readings.length, (performance.now() - started) / 1000);
        this.retry.reset();
        this.lastError = undefined;
      } catch (err) {
        this.stats.writeErrors++;
        this.lastError = err instanceof Error ? err.message : String(err);
        const delay = this.retry.next();
        this.errorLog.error(
          'write',
          `Writing ${readings.length} readings and ${statuses.length} statuses failed, retrying in ${delay} ms: ${this.lastError}`,
        );
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      this.queue.splice(0, take.length);
      this.queuedAt.splice(0, take.length);
      this.queuedReadings -= readings.length;
      for (const batch of take) batch.ack?.settle();
      this.lastSeen.note(stored);
      if (statuses.length > 0) {
        this.stats.statusApplied += changes.length;
        this.stats.statusSuperseded += statuses.length - changes.length;
        if (changes.length > 0) this.bus.emit('units.status_changed', { changes });
      }
    }
  }

  /** The batches at the head of the queue that fit in one statement (always at least one). */
  private takeBatches(): Queued[] {
    let rows = 0;
    let count = 0;
    for (const batch of this.queue) {
      if (count > 0 && rows + batch.readings.length > this.config.writerMaxRows) break;
      rows += batch.readings.length;
      count++;
    }
    return this.queue.slice(0, count);
  }

  /**
   * Stores what the database accepts of these readings and adds what it refuses for good to `dead`; the ids of
   * the sensors written go to `stored`. Throws on a transient failure. One statement when nothing is refused.
   */
  private async storeReadings(readings: ProcessedReading[], stored: Set<number>, dead: DeadLetter[]): Promise<void> {
    let rest: readonly ProcessedReading[] = await this.withSensorIds(readings, dead);
    let refusal = await this.insert(rest, stored);
    if (refusal === undefined) return;
    if (refusal.sqlstate === FOREIGN_KEY_VIOLATION) {
      // A sensor deleted under the cache. The statement stored the readings of the sensors that exist; the missing
      // ones get their id read (or the sensor created) again, and their readings one more try.
      if (refusal.missingSensors) rest = this.readingsOf(rest, refusal.missingSensors);
      await this.registry.refresh(rest);
      refusal = await this.insert(rest, stored);
      if (refusal === undefined) return;
      if (refusal.missingSensors) {
        // Deleted again since the refresh: the statement named them, so there is nothing to bisect.
        for (const r of this.readingsOf(rest, refusal.missingSensors)) dead.push(this.deadLetter(r, refusal));
        return;
      }
    }
    this.errorLog.error(
      'refused',
      `The database refused a batch of ${rest.length} readings (${refusal.sqlstate} ${refusal.reason}): ` +
        `splitting it to store the rest and dead-letter the refused ones: ${refusal.message}`,
    );
    // Bisection: each refused run is halved and both halves tried, until single readings are left or the budget
    // of statements is spent; a run still refused then is dead-lettered whole.
    let budget = this.config.writerSplitMaxStatements;
    const refused: Refused[] = [{ readings: rest, refusal }];
    for (let run = refused.pop(); run !== undefined; run = refused.pop()) {
      if (run.readings.length === 1 || budget < 2) {
        for (const reading of run.readings) dead.push(this.deadLetter(reading, run.refusal));
        continue;
      }
      const half = Math.ceil(run.readings.length / 2);
      for (const part of [run.readings.slice(half), run.readings.slice(0, half)]) {
        budget--;
        const partRefusal = await this.insert(part, stored);
        if (partRefusal !== undefined) refused.push({ readings: part, refusal: partRefusal });
      }
    }
  }

  /** The readings of these sensors, by the ids the registry holds now. */
  private readingsOf(readings: readonly ProcessedReading[], sensorIds: ReadonlySet<number>): ProcessedReading[] {
    return readings.filter((r) => sensorIds.has(this.registry.idOf(r.unitId, r.sensorType)!));
  }

  /**
   * The readings whose sensor has an id, registering new sensors first. When the registration itself is refused
   * for good, the readings of the sensors it could not create are dead-lettered with that reason.
   */
  private async withSensorIds(readings: ProcessedReading[], dead: DeadLetter[]): Promise<ProcessedReading[]> {
    let refusal: WriteRefusal | undefined;
    try {
      await this.registry.ensure(readings);
    } catch (err) {
      refusal = refusalOf(err);
      if (refusal === undefined) throw err;
    }
    const known: ProcessedReading[] = [];
    for (const r of readings) {
      if (this.registry.idOf(r.unitId, r.sensorType) === undefined)
        dead.push(this.deadLetter(r, refusal ?? UNRESOLVED));
      else known.push(r);
    }
    return known;
  }

  /**
   * One INSERT of these readings: undefined once all are committed (their sensor ids added to `stored`), the refusal
   * when the database refuses them for good; a transient failure throws. Readings of sensors that no longer exist
   * are left out by the statement: the others are committed (and their ids added to `stored`), and the refusal is a
   * foreign-key violation naming the missing sensors.
   */
  private async insert(readings: readonly ProcessedReading[], stored: Set<number>): Promise<InsertRefusal | undefined> {
    if (readings.length === 0) return undefined;
    const ids: number[] = new Array<number>(readings.length);
    const times: number[] = new Array<number>(readings.length);
    const values: number[] = new Array<number>(readings.length);
    const qualities: string[] = new Array<string>(readings.length);
    const sensors = new Set<number>();
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i];
      ids[i] = this.registry.idOf(r.unitId, r.sensorType)!;
      times[i] = Math.round(r.time * 1000);
      values[i] = r.value;
      qualities[i] = r.quality;
      sensors.add(ids[i]);
    }
    let result: InsertResult;
    try {
      // Array literals built directly: numbers and the three quality words need no escaping.
      [result] = await this.db.query<InsertResult>(INSERT_READINGS, [
        `{${ids.join(',')}}`,
        `{${times.join(',')}}`,
        `{${values.join(',')}}`,
        `{${qualities.join(',')}}`,
        `{${[...sensors].join(',')}}`,
      ]);
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal === undefined) throw err;
      return refusal;
    }
    this.stats.stored += result.inserted;
    const missing = new Set(result.missing);
    for (const id of sensors) if (!missing.has(id)) stored.add(id);
    return missing.size === 0 ? undefined : { ...missingSensors(result.missing), missingSensors: missing };
  }

  /** Applies the statuses; statuses the database refuses for good are logged, counted and dropped. */
  private async applyStatuses(statuses: ProcessedUnitStatus[]): Promise<UnitStatusChange[]> {
    try {
      return await this.statuses.apply(statuses);
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal === undefined) throw err;
      this.statusesRefused += statuses.length;
      this.errorLog.error(
        'status_refused',
        `The database refused ${statuses.length} unit statuses (${refusal.sqlstate} ${refusal.reason}), dropped: ${refusal.message}`,
      );
      return [];
    }
  }

  private deadLetter(reading: ProcessedReading, refusal: WriteRefusal): DeadLetter {
    return { reading, sensorId: this.registry.idOf(reading.unitId, reading.sensorType) ?? null, refusal };
  }
}

/** The refusal of readings whose sensors were not found: deleted since the registry read their ids. */
function missingSensors(ids: readonly number[]): WriteRefusal {
  const named = ids.slice(0, MAX_NAMED_MISSING).join(', ');
  const more = ids.length > MAX_NAMED_MISSING ? ` and ${ids.length - MAX_NAMED_MISSING} more` : '';
  return {
    sqlstate: FOREIGN_KEY_VIOLATION,
    reason: 'foreign_key_violation',
    constraint: null,
    message: `the sensors with id ${named}${more} no longer exist (deleted after their ids were read)`,
  };
}
