import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabasePool } from '../common/database/database.pool.js';
import { FeatureRegistry, type MetricSample } from '../common/feature/feature.registry.js';
import { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import { AppConfig } from '../config/app-config.js';
import { formatDuration } from './history.plan.js';

/** What the database under the historian can do; decided once at start-up. */
export interface StorageCapabilities {
  /** TimescaleDB is installed and sensor_readings is a hypertable. */
  timescale: boolean;
  timescaleVersion: string | null;
  /** Compression is enabled on sensor_readings (migration 1764000005000 with TimescaleDB). */
  compression: boolean;
  /** sensor_readings_1m and sensor_readings_1h exist, so wide bucketed queries can read them. */
  continuousAggregates: boolean;
}

/**
 * One TimescaleDB background job of the historian (retention, compression, a continuous aggregate's refresh) as
 * timescaledb_information.jobs / job_stats / job_errors last reported it.
 */
export interface TimescaleJobState {
  jobId: number;
  /** `retention`, `compression`, `refresh_sensor_readings_1m`, `refresh_sensor_readings_1h`. */
  job: string;
  /** `Success`, `Failed`, … as TimescaleDB spells it; null before the first run. */
  lastRunStatus: string | null;
  lastRunStartedAt: string | null;
  totalRuns: number;
  totalFailures: number;
  /** The message of the newest failure still in job_errors (TimescaleDB keeps them a month), if any. */
  lastError: string | null;
}

/** The job names the API reports, from TimescaleDB's procedure and the table or view it works on. */
export function timescaleJobName(procName: string, table: string): string {
  if (procName === 'policy_retention') return 'retention';
  if (procName === 'policy_compression') return 'compression';
  return `refresh_${table}`;
}

/** Counters of the storage side, for /health and /metrics. */
export interface StorageSnapshot extends StorageCapabilities {
  retentionSeconds: number;
  compressAfterSeconds: number;
  /** Who deletes old readings: TimescaleDB's retention policy, the backend's job, or nobody (retention 0). */
  retentionBy: 'timescaledb_policy' | 'backend_job' | 'disabled';
  retentionRuns: number;
  retentionDeleted: number;
  retentionLastRunAt: string | null;
  retentionLastError: string | null;
  /** TimescaleDB's jobs for the historian (empty on plain PostgreSQL), as of the last read. */
  timescaleJobs: TimescaleJobState[];
  /** Jobs whose last run failed. */
  timescaleJobsFailing: number;
  /** Why the last read of the jobs failed (null when it worked). */
  timescaleJobsReadError: string | null;
}

const NONE: StorageCapabilities = {
  timescale: false,
  timescaleVersion: null,
  compression: false,
  continuousAggregates: false,
};

/**
 * Storage policies from configuration, applied at every start so an operator changes retention or compression by
 * changing TELEMETRY_RETENTION / TELEMETRY_COMPRESS_AFTER and restarting, without a migration:
 *
 * - TimescaleDB: the retention and compression policies of sensor_readings are compared with the configuration
 *   and replaced only when they differ (so restarts do not churn jobs), under an advisory lock so instances
 *   starting together do not race. The policies then run inside TimescaleDB.
 * - Plain PostgreSQL: a job in the backend deletes readings older than the retention, in bounded batches, once at
 *   start-up and then every TELEMETRY_RETENTION_INTERVAL_S; each run is counted and logged once.
 */
/** The plain-PostgreSQL retention job's name in the SchedulerRegistry. */
const RETENTION_JOB = 'historian-retention';
/** The job that reads TimescaleDB's job statistics (TimescaleDB only). */
const JOB_CHECK = 'historian-timescale-jobs';

@Injectable()
export class StoragePolicyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Historian');
  private caps: StorageCapabilities = NONE;
  private running?: Promise<void>;
  private stopping = false;
  private runs = 0;
  private failedRuns = 0;
  private deleted = 0;
  private lastRunAt: number | null = null;
  private lastError: string | null = null;
  private timescaleJobs: TimescaleJobState[] = [];
  private jobsReadError: string | null = null;

  constructor(
    private readonly db: DatabasePool,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly metrics: FeatureRegistry,
    private readonly jobs: PeriodicJobs,
  ) {}

  get capabilities(): StorageCapabilities {
    return this.caps;
  }

  async onModuleInit(): Promise<void> {
    this.metrics.register('historian', () => this.samples());
    this.caps = await this.detect();
    const retention = this.config.telemetryRetentionSeconds;
    if (this.caps.timescale) {
      try {
        await this.reconcileTimescalePolicies();
      } catch (err) {
        // A policy we could not set must not keep the backend down; it is visible in the log and in /health.
        this.lastError = err instanceof Error ? err.message : String(err);
        this.logger.error(`TimescaleDB policies not applied: ${this.lastError}`);
      }
      // TimescaleDB runs the policies itself; a failing one is only visible in its job tables, so they are read.
      this.jobs.every(JOB_CHECK, this.config.telemetryJobCheckIntervalMs, () => this.readTimescaleJobs(), {
        immediately: true,
      });
      return;
    }
    this.logger.log(
      'TimescaleDB not available: plain PostgreSQL storage (date_bin buckets, no compression, no continuous ' +
        `aggregates); ${retention === 0 ? 'retention off' : `retention by the backend job, every ${this.config.telemetryRetentionIntervalMs / 1000} s`}`,
    );
    if (retention === 0) return;
    const tick = (): void => {
      if (this.running !== undefined || this.stopping) return;
      this.running = this.runRetention().finally(() => (this.running = undefined));
    };
    this.jobs.every(RETENTION_JOB, this.config.telemetryRetentionIntervalMs, tick, { immediately: true });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.jobs.stop(RETENTION_JOB);
    this.jobs.stop(JOB_CHECK);
    await this.running;
  }

  snapshot(): StorageSnapshot {
    const retention = this.config.telemetryRetentionSeconds;
    return {
      ...this.caps,
      retentionSeconds: retention,
      compressAfterSeconds: this.caps.compression ? this.config.telemetryCompressAfterSeconds : 0,
      retentionBy: retention === 0 ? 'disabled' : this.caps.timescale ? 'timescaledb_policy' : 'backend_job',
      retentionRuns: this.runs,
      retentionDeleted: this.deleted,
      retentionLastRunAt: this.lastRunAt === null ? null : new Date(this.lastRunAt).toISOString(),
      retentionLastError: this.lastError,
      timescaleJobs: this.timescaleJobs,
      timescaleJobsFailing: this.timescaleJobs.filter((j) => j.lastRunStatus === 'Failed').length,
      timescaleJobsReadError: this.jobsReadError,
    };
  }

  /** /metrics samples, read at scrape time. */
  private samples(): MetricSample[] {
    const s = this.snapshot();
    return [
      {
        name: 'scada_historian_timescaledb',
        help: 'TimescaleDB in use (1) or plain PostgreSQL (0)',
        type: 'gauge',
        value: s.timescale ? 1 : 0,
      },
      {
        name: 'scada_historian_retention_seconds',
        help: 'Configured retention of raw readings (0: kept forever)',
        type: 'gauge',
        value: s.retentionSeconds,
      },
      {
        name: 'scada_historian_retention_runs_total',
        help: "Runs of the backend's retention job (plain PostgreSQL)",
        type: 'counter',
        value: s.retentionRuns,
      },
      {
        name: 'scada_historian_retention_failed_runs_total',
        help: 'Retention job runs stopped by an error',
        type: 'counter',
        value: this.failedRuns,
      },
      {
        name: 'scada_historian_retention_deleted_total',
        help: "Readings deleted by the backend's retention job",
        type: 'counter',
        value: s.retentionDeleted,
      },
      ...s.timescaleJobs.flatMap((j): MetricSample[] => [
        {
          name: 'scada_historian_timescaledb_job_failed',
          help: "TimescaleDB job whose last run failed (1) or not (0): retention, compression, the aggregates' refresh",
          type: 'gauge',
          value: j.lastRunStatus === 'Failed' ? 1 : 0,
          labels: { job: j.job },
        },
        {
          name: 'scada_historian_timescaledb_job_failures_total',
          help: 'Failed runs of a TimescaleDB job, as TimescaleDB counts them (since the job was created)',
          type: 'counter',
          value: j.totalFailures,
          labels: { job: j.job },
        },
      ]),
    ];
  }

  /**
   * Reads the state of the historian's TimescaleDB jobs: TimescaleDB logs a failed policy run in its own tables
   * and nowhere the backend would see it otherwise. A read that fails keeps the previous state and says why.
   */
  private async readTimescaleJobs(): Promise<void> {
    try {
      const rows = await this.db.query<{
        job_id: number;
        proc_name: string;
        hypertable_name: string;
        last_run_status: string | null;
        last_run_started_at: Date | null;
        total_runs: string | null;
        total_failures: string | null;
        last_error: string | null;
      }>(
        `SELECT j.job_id, j.proc_name, j.hypertable_name, s.last_run_status, s.last_run_started_at,
                s.total_runs, s.total_failures,
                (SELECT e.err_message FROM timescaledb_information.job_errors e
                  WHERE e.job_id = j.job_id ORDER BY e.finish_time DESC LIMIT 1) AS last_error
           FROM timescaledb_information.jobs j
           LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
          WHERE j.hypertable_schema = current_schema()
            AND j.hypertable_name IN ('sensor_readings', 'sensor_readings_1m', 'sensor_readings_1h')
            AND j.proc_name IN ('policy_retention', 'policy_compression', 'policy_refresh_continuous_aggregate')
          ORDER BY j.job_id`,
      );
      const failingBefore = new Set(this.timescaleJobs.filter((j) => j.lastRunStatus === 'Failed').map((j) => j.job));
      this.timescaleJobs = rows.map((r) => ({
        jobId: r.job_id,
        job: timescaleJobName(r.proc_name, r.hypertable_name),
        lastRunStatus: r.last_run_status,
        lastRunStartedAt: r.last_run_started_at === null ? null : new Date(r.last_run_started_at).toISOString(),
        totalRuns: Number(r.total_runs ?? 0),
        totalFailures: Number(r.total_failures ?? 0),
        lastError: r.last_error,
      }));
      this.jobsReadError = null;
      // Logged when a job starts failing, not at every read.
      for (const j of this.timescaleJobs) {
        if (j.lastRunStatus === 'Failed' && !failingBefore.has(j.job)) {
          this.logger.error(`TimescaleDB job ${j.job} (id ${j.jobId}) failed: ${j.lastError ?? 'no message kept'}`);
        }
      }
    } catch (err) {
      this.jobsReadError = err instanceof Error ? err.message : String(err);
    }
  }

  private async detect(): Promise<StorageCapabilities> {
    const [ext] = await this.db.query<{ version: string | null }>(
      `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS version`,
    );
    if (ext.version === null) return NONE;
    const [row] = await this.db.query<{ hypertable: boolean; compression: boolean; caggs: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables
                       WHERE hypertable_schema = current_schema() AND hypertable_name = 'sensor_readings') AS hypertable,
              EXISTS (SELECT 1 FROM timescaledb_information.hypertables
                       WHERE hypertable_schema = current_schema() AND hypertable_name = 'sensor_readings'
                         AND compression_enabled) AS compression,
              (SELECT count(*) FROM timescaledb_information.continuous_aggregates
                WHERE view_schema = current_schema()
                  AND view_name IN ('sensor_readings_1m', 'sensor_readings_1h')) = 2 AS caggs`,
    );
    if (!row.hypertable) {
      this.logger.warn(
        `TimescaleDB ${ext.version} is installed but sensor_readings is not a hypertable (the database predates ` +
          'the extension): using the plain PostgreSQL paths',
      );
      return NONE;
    }
    this.logger.log(
      `TimescaleDB ${ext.version}: hypertable, compression ${row.compression ? 'on' : 'off'}, continuous aggregates ` +
        (row.caggs ? 'sensor_readings_1m/1h' : 'missing'),
    );
    return {
      timescale: true,
      timescaleVersion: ext.version,
      compression: row.compression,
      continuousAggregates: row.caggs,
    };
  }

  /** Sets the retention and compression policies to what the configuration says, touching only what differs. */
  private async reconcileTimescalePolicies(): Promise<void> {
    const retention = this.config.telemetryRetentionSeconds;
    const compressAfter = this.caps.compression ? this.config.telemetryCompressAfterSeconds : 0;
    const changes: string[] = [];
    await this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('thermacore.storage_policies'))`);
      for (const policy of [
        { proc: 'policy_retention', key: 'drop_after', seconds: retention, name: 'retention' },
        { proc: 'policy_compression', key: 'compress_after', seconds: compressAfter, name: 'compression' },
      ] as const) {
        const jobs = await m.query<{ same: boolean }[]>(
          `SELECT (config->>'${policy.key}')::interval = make_interval(secs => $1) AS same
             FROM timescaledb_information.jobs
            WHERE proc_name = '${policy.proc}' AND hypertable_schema = current_schema()
              AND hypertable_name = 'sensor_readings'`,
          [policy.seconds],
        );
        const wanted = policy.seconds > 0;
        if (wanted && jobs.length === 1 && jobs[0].same) continue;
        if (!wanted && jobs.length === 0) continue;
        // remove_*_policy(if_exists) then add_*_policy: the documented way to change a policy's interval.
        await m.query(`SELECT remove_${policy.name}_policy('sensor_readings', if_exists => true)`);
        if (wanted) {
          await m.query(
            `SELECT add_${policy.name}_policy('sensor_readings', ${policy.key} => make_interval(secs => $1))`,
            [policy.seconds],
          );
        }
        changes.push(`${policy.name} ${wanted ? `after ${formatDuration(policy.seconds)}` : 'off'}`);
      }
    });
    this.logger.log(
      changes.length === 0
        ? `TimescaleDB policies already as configured (retention ${retention === 0 ? 'off' : formatDuration(retention)}, compression ${compressAfter === 0 ? 'off' : `after ${formatDuration(compressAfter)}`})`
        : `TimescaleDB policies set: ${changes.join(', ')}`,
    );
  }

  /**
   * One run of the plain-PostgreSQL retention job: deletes readings older than the retention, at most
   * TELEMETRY_RETENTION_BATCH per statement (each its own short transaction, found through the BRIN index on time),
   * until none is left or the backend stops. Logged once per run.
   */
  private async runRetention(): Promise<void> {
    const started = Date.now();
    const cutoff = new Date(started - this.config.telemetryRetentionSeconds * 1000).toISOString();
    const batch = this.config.telemetryRetentionBatch;
    let removed = 0;
    let statements = 0;
    try {
      for (;;) {
        const n = await this.db.execute(
          `DELETE FROM sensor_readings
            WHERE ctid = ANY (ARRAY(SELECT ctid FROM sensor_readings WHERE time < $1::timestamptz LIMIT $2))`,
          [cutoff, batch],
        );
        removed += n;
        statements++;
        if (n < batch || this.stopping) break;
      }
      this.lastError = null;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.failedRuns++;
    }
    this.runs++;
    this.deleted += removed;
    this.lastRunAt = started;
    const summary =
      `Retention run ${this.runs}: deleted ${removed} readings older than ${cutoff} in ${statements} statement(s), ` +
      `${Date.now() - started} ms`;
    if (this.lastError === null) this.logger.log(summary);
    else this.logger.error(`${summary}; stopped by: ${this.lastError}`);
  }
}
