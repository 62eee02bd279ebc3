import type { MigrationInterface, QueryRunner } from 'typeorm';
import { timescaleAvailable } from './timescale.js';

/**
 * units, sensors and sensor_readings. With TimescaleDB, sensor_readings becomes a hypertable (1-day chunks;
 * Timescale adds its own time index). Without it, the same table on plain PostgreSQL gets a BRIN index on time,
 * which stays tiny for append-mostly data. The primary key (sensor_id, time) contains the partitioning column,
 * as a hypertable's unique indexes must.
 */
export class CreateTelemetry1764000000000 implements MigrationInterface {
  name = 'CreateTelemetry1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE units (
        id varchar(64) PRIMARY KEY,
        status varchar(16) NOT NULL DEFAULT 'unknown',
        first_seen timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz
      )`);
    await q.query(`
      CREATE TABLE sensors (
        id serial PRIMARY KEY,
        unit_id varchar(64) NOT NULL REFERENCES units (id) ON DELETE CASCADE,
        sensor_type varchar(64) NOT NULL,
        first_seen timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sensors_unit_type_key UNIQUE (unit_id, sensor_type)
      )`);
    await q.query(`
      CREATE TABLE sensor_readings (
        sensor_id integer NOT NULL REFERENCES sensors (id) ON DELETE CASCADE,
        time timestamptz NOT NULL,
        value double precision NOT NULL,
        quality varchar(9) NOT NULL CHECK (quality IN ('GOOD', 'UNCERTAIN', 'BAD')),
        PRIMARY KEY (sensor_id, time)
      )`);

    if (await timescaleAvailable(q)) {
      await q.query(`CREATE EXTENSION IF NOT EXISTS timescaledb`);
      await q.query(
        `SELECT create_hypertable('sensor_readings', 'time', chunk_time_interval => INTERVAL '1 day', if_not_exists => TRUE)`,
      );
    } else {
      await q.query(`CREATE INDEX sensor_readings_time_brin ON sensor_readings USING brin (time)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS sensor_readings`);
    await q.query(`DROP TABLE IF EXISTS sensors`);
    await q.query(`DROP TABLE IF EXISTS units`);
  }
}
