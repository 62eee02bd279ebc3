import type { HealthIndicator } from '../common/feature/health-indicator.js';
import type { ReadingWriter } from './reading.writer.js';
import type { SensorRegistry } from './sensor.registry.js';
import type { StoragePolicyService, StorageSnapshot } from './storage-policy.service.js';

/** What the telemetry sections read, at each request. */
export interface TelemetryHealthSources {
  writer: Pick<ReadingWriter, 'pending' | 'lastError'>;
  registry: Pick<SensorRegistry, 'size'>;
  storage: Pick<StoragePolicyService, 'capabilities' | 'snapshot'>;
  /** The embedded database (PGlite) is in use. */
  embedded: boolean;
}

/**
 * The `database` sections of /health and /api/v1/scada/status: the health module's ping (the probe) with what the
 * writer waits for and last failed on. An unreachable database degrades /health and fails /health/ready by the health
 * module's own rule, so this indicator adds no `healthy` of its own.
 */
export function databaseHealthIndicator(sources: TelemetryHealthSources): HealthIndicator {
  const { writer, registry, storage, embedded } = sources;
  return {
    name: 'database',
    positions: { summary: 90, status: 30 },
    summary: ({ database }) => ({
      connected: database.ok,
      embedded,
      timescaledb: storage.capabilities.timescale,
      timescaledb_jobs_failing: storage.snapshot().timescaleJobsFailing,
      pending_writes: writer.pending,
      last_error: database.error ?? writer.lastError,
    }),
    status: ({ database }) => ({
      connected: database.ok,
      embedded,
      known_sensors: registry.size,
      pending_writes: writer.pending,
      last_error: database.error ?? writer.lastError,
    }),
  };
}

/** The `historian` section of /api/v1/scada/status: storage features in use and the retention job's counters. */
export function historianHealthIndicator(storage: Pick<StoragePolicyService, 'snapshot'>): HealthIndicator {
  return { name: 'historian', positions: { status: 70 }, status: () => historianStatus(storage.snapshot()) };
}

function historianStatus(s: StorageSnapshot): Record<string, unknown> {
  return {
    timescaledb_version: s.timescaleVersion,
    compression: s.compression,
    compress_after_s: s.compressAfterSeconds,
    continuous_aggregates: s.continuousAggregates,
    retention_s: s.retentionSeconds,
    retention_by: s.retentionBy,
    retention_runs: s.retentionRuns,
    retention_deleted: s.retentionDeleted,
    retention_last_run_at: s.retentionLastRunAt,
    retention_last_error: s.retentionLastError,
    timescale_jobs_failing: s.timescaleJobsFailing,
    timescale_jobs_read_error: s.timescaleJobsReadError,
    timescale_jobs: s.timescaleJobs.map((j) => ({
      job_id: j.jobId,
      job: j.job,
      last_run_status: j.lastRunStatus,
      last_run_started_at: j.lastRunStartedAt,
      total_runs: j.totalRuns,
      total_failures: j.totalFailures,
      last_error: j.lastError,
    })),
  };
}
