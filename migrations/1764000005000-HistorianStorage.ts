import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isHypertable, timescaleAvailable } from './timescale.js';

/**
 * The two continuous aggregates: view name, bucket width, how far back each refresh re-reads raw readings, how
 * close to now it stops, and how often it runs. The 3-day window covers late readings the refresh has to fold
 * in; TELEMETRY_RETENTION must stay longer than it (AppConfig checks), or a refresh would empty buckets whose raw
 * readings retention had dropped.
 */
const CONTINUOUS_AGGREGATES = [
  { view: 'sensor_readings_1m', width: '1 minute', start: '3 days', end: '1 minute', every: '1 minute' },
  { view: 'sensor_readings_1h', width: '1 hour', start: '3 days', end: '1 hour', every: '30 minutes' },
] as const;

/**
 * Historian storage.
 *
 * - Both databases: alarms get an index on (raised_at DESC, id DESC), the order and keyset of the alarm history pages
 *   (it replaces the raised_at-only index). Readings need nothing new: the history reads one sensor over a time
 *   range, which is the primary key (sensor_id, time); the BRIN index on time (plain PostgreSQL) serves the
 *   retention job's "time < cutoff".
 * - TimescaleDB (sensor_readings a hypertable): compression settings (segment by sensor, newest first inside a
 *   segment) and the 1-minute and 1-hour continuous aggregates with their refresh policies. The compression and
 *   retention policies are not set here: their ages come from configuration, and StoragePolicyService applies
 *   them at every start (so changing TELEMETRY_RETENTION needs no migration).
 * - Without TimescaleDB the Timescale part is skipped, and the migration log says why.
 *
 * The statements are checked against the TimescaleDB documentation in docs/historian.md (TimescaleDB).
 */
export class HistorianStorage1764000005000 implements MigrationInterface {
  name = 'HistorianStorage1764000005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX alarms_raised_at_id ON alarms (raised_at DESC, id DESC)`);
    await q.query(`DROP INDEX IF EXISTS alarms_raised_at`);

    if (!(await isHypertable(q, 'sensor_readings'))) {
      const reason = (await timescaleAvailable(q))
        ? 'sensor_readings is not a hypertable (the database was created before TimescaleDB was installed)'
        : 'the timescaledb extension is not available on this server';
      q.connection.logger.logMigration(
        `${this.name}: TimescaleDB part skipped (${reason}); plain PostgreSQL: date_bin buckets, retention by the backend's job`,
      );
      return;
    }

    await q.query(`
      ALTER TABLE sensor_readings SET (
        timescaledb.compress,
        timescaledb.compress_segmentby = 'sensor_id',
        timescaledb.compress_orderby = 'time DESC'
      )`);

    for (const c of CONTINUOUS_AGGREGATES) {
      // WITH NO DATA: creating WITH DATA refreshes at once, which TimescaleDB refuses inside a transaction (and a
      // migration is one); the refresh policy fills the view, and real-time aggregation (materialized_only = false)
      // answers from raw readings for whatever is not materialised yet.
      await q.query(`
        CREATE MATERIALIZED VIEW ${c.view}
        WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
        SELECT sensor_id,
               time_bucket(INTERVAL '${c.width}', time) AS bucket,
               avg(value) AS value_avg,
               min(value) AS value_min,
               max(value) AS value_max,
               last(value, time) AS value_last,
               sum(value) AS value_sum,
               count(*) AS value_count
          FROM sensor_readings
         GROUP BY sensor_id, bucket
        WITH NO DATA`);
      await q.query(`
        SELECT add_continuous_aggregate_policy('${c.view}',
          start_offset => INTERVAL '${c.start}',
          end_offset => INTERVAL '${c.end}',
          schedule_interval => INTERVAL '${c.every}')`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    if (await isHypertable(q, 'sensor_readings')) {
      // Dropping a continuous aggregate removes its refresh policy with it.
      for (const c of [...CONTINUOUS_AGGREGATES].reverse()) await q.query(`DROP MATERIALIZED VIEW IF EXISTS ${c.view}`);
      await q.query(`SELECT remove_retention_policy('sensor_readings', if_exists => true)`);
      await q.query(`SELECT remove_compression_policy('sensor_readings', if_exists => true)`);
      // Compression can only be turned off once no chunk is compressed.
      await q.query(`SELECT decompress_chunk(c, if_compressed => true) FROM show_chunks('sensor_readings') c`);
      await q.query(`ALTER TABLE sensor_readings SET (timescaledb.compress = false)`);
    }
    await q.query(`CREATE INDEX IF NOT EXISTS alarms_raised_at ON alarms (raised_at DESC)`);
    await q.query(`DROP INDEX IF EXISTS alarms_raised_at_id`);
  }
}
