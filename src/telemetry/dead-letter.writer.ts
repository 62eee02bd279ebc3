import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ProcessedReading } from '../common/bus/event-map.js';
import { DatabasePool } from '../common/database/database.pool.js';
import { FeatureRegistry, type MetricSample } from '../common/feature/feature.registry.js';
import { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import { AppConfig } from '../config/app-config.js';
import type { WriteRefusal } from './write-refusal.js';

/** A reading the database refused for good, with the sensor id the write used and why it was refused. */
export interface DeadLetter {
  reading: ProcessedReading;
  sensorId: number | null;
  refusal: WriteRefusal;
}

const INSERT_DEAD_LETTERS = `
  INSERT INTO reading_dead_letters
    (unit_id, sensor_type, sensor_id, value, quality, time, source, sqlstate, reason, constraint_name, message)
  SELECT d.unit_id, d.sensor_type, d.sensor_id, d.value, d.quality,
         timestamptz 'epoch' + d.time_us * interval '1 microsecond', d.source, d.sqlstate, d.reason,
         d.constraint_name, d.message
  FROM unnest($1::varchar[], $2::varchar[], $3::int4[], $4::float8[], $5::varchar[], $6::int8[], $7::varchar[],
              $8::varchar[], $9::varchar[], $10::varchar[], $11::text[])
    AS d(unit_id, sensor_type, sensor_id, value, quality, time_us, source, sqlstate, reason, constraint_name, message)`;

/** Everything older than the age limit, then everything past the newest DEAD_LETTER_MAX_ROWS. */
const PRUNE_BY_AGE = `DELETE FROM reading_dead_letters WHERE dead_lettered_at < now() - make_interval(secs => $1)`;
const PRUNE_BY_COUNT = `
  DELETE FROM reading_dead_letters
   WHERE id <= (SELECT id FROM reading_dead_letters ORDER BY id DESC OFFSET $1 LIMIT 1)`;

/** The prune job's name among the periodic jobs. */
const PRUNE_JOB = 'dead-letter-prune';

/**
 * Stores dead letters (one statement per refused batch) and keeps reading_dead_letters bounded: the prune job runs
 * at start-up, every DEAD_LETTER_PRUNE_INTERVAL_S, and early once a tenth of DEAD_LETTER_MAX_ROWS arrived since the
 * last run, so a flood of refused readings cannot grow the table far past its cap. Counts what it stored by reason
 * for /metrics (`scada_readings_dead_lettered_total`) and /health.
 */
@Injectable()
export class DeadLetterWriter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DeadLetterWriter.name);
  private readonly byReason = new Map<string, number>();
  private sincePrune = 0;
  private prunedRows = 0;
  private pruning: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly db: DatabasePool,
    private readonly config: AppConfig,
    private readonly metrics: FeatureRegistry,
    private readonly jobs: PeriodicJobs,
  ) {}

  onModuleInit(): void {
    this.metrics.register('dead_letters', () => this.samples());
    this.jobs.every(PRUNE_JOB, this.config.deadLetterPruneIntervalMs, () => this.prune(), { immediately: true });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.jobs.stop(PRUNE_JOB);
    await this.pruning;
  }

  /** Readings dead-lettered since start, in all. */
  get total(): number {
    let n = 0;
    for (const count of this.byReason.values()) n += count;
    return n;
  }

  /** Readings dead-lettered since start, by reason. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.byReason);
  }

  /** Stores the letters in one statement; throws (and counts nothing) when the database does not take them. */
  async add(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const column = <T>(pick: (d: DeadLetter) => T): T[] => letters.map(pick);
    await this.db.execute(INSERT_DEAD_LETTERS, [
      column((d) => d.reading.unitId),
      column((d) => d.reading.sensorType),
      column((d) => d.sensorId),
      column((d) => d.reading.value),
      column((d) => d.reading.quality),
      column((d) => Math.round(d.reading.time * 1000)),
      column((d) => d.reading.source),
      column((d) => d.refusal.sqlstate),
      column((d) => d.refusal.reason),
      column((d) => d.refusal.constraint),
      column((d) => d.refusal.message),
    ]);
    for (const d of letters) this.byReason.set(d.refusal.reason, (this.byReason.get(d.refusal.reason) ?? 0) + 1);
    this.sincePrune += letters.length;
    if (this.sincePrune >= Math.max(1, Math.floor(this.config.deadLetterMaxRows / 10))) {
      this.prune().catch((err: unknown) => this.logger.error(`Pruning dead letters failed: ${String(err)}`));
    }
  }

  /** One run of the prune job (never two at once). */
  prune(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.pruning ??= this.runPrune().finally(() => (this.pruning = undefined));
    return this.pruning;
  }

  private async runPrune(): Promise<void> {
    this.sincePrune = 0;
    let removed = 0;
    if (this.config.deadLetterMaxAgeSeconds > 0) {
      removed += await this.db.execute(PRUNE_BY_AGE, [this.config.deadLetterMaxAgeSeconds]);
    }
    removed += await this.db.execute(PRUNE_BY_COUNT, [this.config.deadLetterMaxRows]);
    this.prunedRows += removed;
    if (removed > 0) this.logger.log(`Pruned ${removed} dead-lettered readings (age or DEAD_LETTER_MAX_ROWS)`);
  }

  private samples(): MetricSample[] {
    const samples: MetricSample[] = [...this.byReason].map(([reason, value]) => ({
      name: 'scada_readings_dead_lettered_total',
      help: 'Readings the database refused for good (SQLSTATE class 22/23), stored in reading_dead_letters, by reason',
      type: 'counter',
      value,
      labels: { reason },
    }));
    samples.push({
      name: 'scada_dead_letters_pruned_total',
      help: 'Dead-lettered readings deleted by the prune job (DEAD_LETTER_MAX_AGE, DEAD_LETTER_MAX_ROWS)',
      type: 'counter',
      value: this.prunedRows,
    });
    return samples;
  }
}
