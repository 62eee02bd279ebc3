import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import { BackendProcess, newApiKey } from '../support/backend.js';
import { connectDb, connectPublisher } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { describeWith, timescaleAtPgUrl } from '../support/prerequisites.js';
import { createTarget, type TestTarget } from '../support/target.js';

const TIMESCALE = await timescaleAtPgUrl();

const DAY = 86_400_000;

interface Job {
  job_id: number;
  proc_name: string;
  hypertable_name: string;
  config: Record<string, unknown>;
  schedule_interval: string;
}

/**
 * What the migrations and StoragePolicyService make of a TimescaleDB database (E2E_TARGET=timescale only; the file
 * is not even collected on the other targets, see jest.config.js): the hypertable and its chunk interval,
 * compression settings, the two continuous aggregates with their refresh policies, the retention and compression
 * policies reconciled from the env at every start, a failing job made visible, and a redelivered batch into a
 * compressed chunk absorbed.
 */
describeWith([TIMESCALE], 'TimescaleDB storage (timescale)', () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client;
  let publisher: MqttClient;
  const adminKey = newApiKey();

  /** A backend on this file's database with these storage settings (the admin key stays the same across starts). */
  async function startBackend(storage: Record<string, string>): Promise<BackendProcess> {
    return BackendProcess.start({
      env: {
        ...target.env,
        AUTH_BOOTSTRAP_ADMIN_KEY: adminKey,
        TELEMETRY_JOB_CHECK_INTERVAL_S: '1',
        ...storage,
      },
    });
  }

  async function jobs(): Promise<Job[]> {
    return (
      await db.query<Job>(
        `SELECT job_id, proc_name, hypertable_name, config, schedule_interval::text
           FROM timescaledb_information.jobs
          WHERE hypertable_schema = current_schema() ORDER BY proc_name, hypertable_name`,
      )
    ).rows;
  }

  const policy = async (proc: string): Promise<Job[]> => (await jobs()).filter((j) => j.proc_name === proc);

  beforeAll(async () => {
    target = await createTarget('ts_storage');
    backend = await startBackend({ TELEMETRY_RETENTION: '30d', TELEMETRY_COMPRESS_AFTER: '7d' });
    db = await connectDb(target.databaseUrl);
    publisher = await connectPublisher(target.mqttHost, target.mqttPort);
  });

  afterAll(async () => {
    await publisher?.endAsync().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it('makes sensor_readings a hypertable on time with 1-day chunks, and reports the version in use', async () => {
    const dims = await db.query(
      `SELECT column_name, time_interval::text AS time_interval FROM timescaledb_information.dimensions
        WHERE hypertable_schema = current_schema() AND hypertable_name = 'sensor_readings'`,
    );
    expect(dims.rows).toEqual([{ column_name: 'time', time_interval: '1 day' }]);
    const [{ extversion }] = (await db.query(`SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`)).rows;
    const status = await backend.getJson('/api/v1/scada/status');
    expect(status.historian).toMatchObject({
      timescaledb_version: extversion,
      compression: true,
      continuous_aggregates: true,
      retention_by: 'timescaledb_policy',
    });
    expect((await backend.getJson('/health')).database).toMatchObject({ timescaledb: true });
    expect((await backend.request('GET', '/metrics')).text).toMatch(/^scada_historian_timescaledb 1$/m);
  });

  it('compresses segmented by sensor, newest first, with the policy of TELEMETRY_COMPRESS_AFTER', async () => {
    const settings = await db.query(
      `SELECT attname, segmentby_column_index, orderby_column_index, orderby_asc
         FROM timescaledb_information.compression_settings
        WHERE hypertable_schema = current_schema() AND hypertable_name = 'sensor_readings' ORDER BY attname`,
    );
    expect(settings.rows).toEqual([
      { attname: 'sensor_id', segmentby_column_index: 1, orderby_column_index: null, orderby_asc: null },
      { attname: 'time', segmentby_column_index: null, orderby_column_index: 1, orderby_asc: false },
    ]);
    const compression = await policy('policy_compression');
    expect(compression).toHaveLength(1);
    expect(compression[0]).toMatchObject({
      hypertable_name: 'sensor_readings',
      config: { compress_after: '168:00:00' },
    });
    expect((await backend.getJson('/api/v1/scada/status')).historian.compress_after_s).toBe(7 * 86_400);
  });

  it('keeps two real-time continuous aggregates, each refreshed over the last 3 days by its policy', async () => {
    const caggs = await db.query(
      `SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates
        WHERE view_schema = current_schema() ORDER BY view_name`,
    );
    expect(caggs.rows).toEqual([
      { view_name: 'sensor_readings_1h', materialized_only: false },
      { view_name: 'sensor_readings_1m', materialized_only: false },
    ]);
    const refresh = await policy('policy_refresh_continuous_aggregate');
    expect(refresh.map((j) => [j.hypertable_name, j.schedule_interval, j.config])).toEqual([
      [
        'sensor_readings_1h',
        '00:30:00',
        { start_offset: '3 days', end_offset: '01:00:00', mat_hypertable_id: expect.any(Number) },
      ],
      [
        'sensor_readings_1m',
        '00:01:00',
        { start_offset: '3 days', end_offset: '00:01:00', mat_hypertable_id: expect.any(Number) },
      ],
    ]);
  });

  it('absorbs a redelivered batch into a compressed chunk, and stores the new reading of it', async () => {
    // Ten days old: past TELEMETRY_COMPRESS_AFTER, inside READING_MAX_AGE_S (30 days).
    const base = Math.floor((Date.now() - 10 * DAY) / DAY) * DAY + 3_600_000;
    const topic = `${target.topicPrefix}/TSC1/temperature`;
    const batch = Array.from({ length: 20 }, (_, i) => ({ value: i * 0.5, timestamp: new Date(base + i * 1000) }));
    const publishAll = async (readings: { value: number; timestamp: Date }[]): Promise<void> => {
      for (const r of readings) {
        await publisher.publishAsync(topic, JSON.stringify({ value: r.value, timestamp: r.timestamp.toISOString() }), {
          qos: 1,
        });
      }
    };
    const stored = async () =>
      (
        await db.query<{ time: Date; value: number }>(
          `SELECT r.time, r.value FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
            WHERE s.unit_id = 'TSC1' AND s.sensor_type = 'temperature' ORDER BY r.time`,
        )
      ).rows;
    await publishAll(batch);
    await eventually(async () => expect(await stored()).toHaveLength(20));

    const chunk = `(SELECT format('%I.%I', chunk_schema, chunk_name)::regclass FROM timescaledb_information.chunks
                     WHERE hypertable_name = 'sensor_readings' AND range_start <= $1 AND range_end > $1)`;
    await db.query(`SELECT compress_chunk(${chunk})`, [new Date(base)]);
    const compressed = async (): Promise<boolean> =>
      (
        await db.query<{ c: boolean }>(
          `SELECT is_compressed AS c FROM timescaledb_information.chunks
            WHERE hypertable_name = 'sensor_readings' AND range_start <= $1 AND range_end > $1`,
          [new Date(base)],
        )
      ).rows[0].c;
    expect(await compressed()).toBe(true);

    // The same batch again (as a broker redelivers it after a lost PUBACK), then one reading the chunk lacks.
    const late = { value: 99.5, timestamp: new Date(base + 60_000) };
    await publishAll([...batch, late]);
    await eventually(async () => expect(await stored()).toHaveLength(21));
    expect(await stored()).toEqual([...batch, late].map((r) => ({ time: r.timestamp, value: r.value })));
    const status = await backend.getJson('/api/v1/scada/status');
    expect(status.database.last_error ?? null).toBeNull();
    expect(status.pipeline.stored).toBeGreaterThanOrEqual(21);
  });

  it('reconciles the retention and compression policies with the env at every start, touching only what changed', async () => {
    const before = await jobs();
    const retention = before.filter((j) => j.proc_name === 'policy_retention');
    expect(retention).toHaveLength(1);
    expect(retention[0].config).toMatchObject({ drop_after: '720:00:00' });

    // Same settings: nothing is replaced (the job ids stay).
    await backend.stop();
    backend = await startBackend({ TELEMETRY_RETENTION: '30d', TELEMETRY_COMPRESS_AFTER: '7d' });
    expect(await jobs()).toEqual(before);
    expect(backend.logs).toMatch(/TimescaleDB policies already as configured \(retention 30d, compression after 7d\)/);

    // Retention 60 days, compression off.
    await backend.stop();
    backend = await startBackend({ TELEMETRY_RETENTION: '60d', TELEMETRY_COMPRESS_AFTER: '0' });
    expect(backend.logs).toMatch(/TimescaleDB policies set: retention after 60d, compression off/);
    expect((await policy('policy_retention')).map((j) => j.config.drop_after)).toEqual(['1440:00:00']);
    expect(await policy('policy_compression')).toEqual([]);
    expect((await backend.getJson('/api/v1/scada/status')).historian).toMatchObject({
      retention_s: 60 * 86_400,
      compress_after_s: 0,
    });

    // Compression back on after 2 days, retention off: the retention job goes.
    await backend.stop();
    backend = await startBackend({ TELEMETRY_RETENTION: '0', TELEMETRY_COMPRESS_AFTER: '2d' });
    expect(await policy('policy_retention')).toEqual([]);
    expect((await policy('policy_compression')).map((j) => j.config.compress_after)).toEqual(['48:00:00']);
    expect((await backend.getJson('/api/v1/scada/status')).historian).toMatchObject({
      retention_by: 'disabled',
      compress_after_s: 2 * 86_400,
    });
    // The aggregates' refresh policies are the migration's, untouched by any of this.
    expect(await policy('policy_refresh_continuous_aggregate')).toEqual(
      before.filter((j) => j.proc_name === 'policy_refresh_continuous_aggregate'),
    );
  });

  it('shows a failing TimescaleDB job in /api/v1/scada/status, /health and /metrics', async () => {
    const [compression] = await policy('policy_compression');
    // Fault injection: the job's config points at a hypertable that does not exist. Its check function would
    // refuse that, so it is detached first; then the job is due at once.
    await db.query(`SELECT alter_job($1, check_config => 0)`, [compression.job_id]);
    await db.query(
      `SELECT alter_job($1, config => '{"hypertable_id": 2147483647, "compress_after": "2 days"}', next_start => now())`,
      [compression.job_id],
    );
    interface JobState {
      job_id: number;
      job: string;
      last_run_status: string | null;
      total_failures: number;
      last_error: string | null;
    }
    const failing = await eventually(async () => {
      const { historian } = await backend.getJson<{
        historian: { timescale_jobs: JobState[]; timescale_jobs_failing: number; timescale_jobs_read_error: unknown };
      }>('/api/v1/scada/status');
      const job = historian.timescale_jobs.find((j) => j.job === 'compression')!;
      expect(job).toMatchObject({ job_id: compression.job_id, last_run_status: 'Failed' });
      return { historian, job };
    }, 60_000);
    expect(failing.job.total_failures).toBeGreaterThanOrEqual(1);
    expect(failing.job.last_error).toEqual(expect.any(String));
    expect(failing.historian.timescale_jobs_failing).toBe(1);
    expect(failing.historian.timescale_jobs_read_error).toBeNull();
    expect(failing.historian.timescale_jobs.map((j) => j.job).sort()).toEqual([
      'compression',
      'refresh_sensor_readings_1h',
      'refresh_sensor_readings_1m',
    ]);
    expect((await backend.getJson('/health')).database.timescaledb_jobs_failing).toBe(1);
    const metrics = (await backend.request('GET', '/metrics')).text;
    expect(metrics).toMatch(/^scada_historian_timescaledb_job_failed\{job="compression"\} 1$/m);
    expect(metrics).toMatch(/^scada_historian_timescaledb_job_failed\{job="refresh_sensor_readings_1m"\} 0$/m);
    expect(metrics).toMatch(/^scada_historian_timescaledb_job_failures_total\{job="compression"\} [1-9]\d*$/m);
    await eventually(() => expect(backend.logs).toMatch(/TimescaleDB job compression \(id \d+\) failed: /));
  });
});
