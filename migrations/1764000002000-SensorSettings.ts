import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-sensor processing settings and last-seen times.
 *
 * - `scale_factor`, `offset`: the processor stores value × scale_factor + offset. `offset` is an SQL keyword,
 *   hence the quotes wherever it is named.
 * - `valid_min`, `valid_max`: inclusive bounds on that engineering value; outside them a reading is kept with
 *   quality BAD. Either may be null (no bound). The checks repeat the API's rules so a direct SQL edit or two
 *   racing PATCHes cannot leave settings the processor would misread.
 * - `settings_updated_at`: when the settings last changed (not touched by last_seen), so every instance can pick up
 *   a change made through another one without reloading the whole table.
 * - `last_seen` (sensors; units had the column already): when a reading of it was last stored, by the database
 *   clock like first_seen; set by the reading writer once per write batch. Back-filled here from the newest reading
 *   already stored, the best estimate there is.
 */
export class SensorSettings1764000002000 implements MigrationInterface {
  name = 'SensorSettings1764000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE sensors
        ADD COLUMN scale_factor double precision NOT NULL DEFAULT 1,
        ADD COLUMN "offset" double precision NOT NULL DEFAULT 0,
        ADD COLUMN valid_min double precision,
        ADD COLUMN valid_max double precision,
        ADD COLUMN engineering_unit varchar(32),
        ADD COLUMN display_name varchar(128),
        ADD COLUMN last_seen timestamptz,
        ADD COLUMN settings_updated_at timestamptz NOT NULL DEFAULT now(),
        ADD CONSTRAINT sensors_scale_factor_check
          CHECK (scale_factor <> 0 AND abs(scale_factor) < 'Infinity'::float8),
        ADD CONSTRAINT sensors_offset_check CHECK (abs("offset") < 'Infinity'::float8),
        ADD CONSTRAINT sensors_valid_range_check
          CHECK (abs(valid_min) < 'Infinity'::float8 AND abs(valid_max) < 'Infinity'::float8
                 AND (valid_min IS NULL OR valid_max IS NULL OR valid_min < valid_max))`);
    // For SensorSettingsSync's periodic "what changed" query. last_seen stays unindexed, so its frequent updates
    // remain HOT (no index maintenance).
    await q.query(`CREATE INDEX sensors_settings_updated_at_idx ON sensors (settings_updated_at)`);
    // The primary key (sensor_id, time) answers each max() with one index probe.
    await q.query(`
      UPDATE sensors s SET last_seen = (SELECT max(r.time) FROM sensor_readings r WHERE r.sensor_id = s.id)`);
    await q.query(`
      UPDATE units u SET last_seen = GREATEST(u.last_seen, (SELECT max(s.last_seen) FROM sensors s WHERE s.unit_id = u.id))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS sensors_settings_updated_at_idx`);
    await q.query(`
      ALTER TABLE sensors
        DROP CONSTRAINT sensors_valid_range_check,
        DROP CONSTRAINT sensors_offset_check,
        DROP CONSTRAINT sensors_scale_factor_check,
        DROP COLUMN settings_updated_at,
        DROP COLUMN last_seen,
        DROP COLUMN display_name,
        DROP COLUMN engineering_unit,
        DROP COLUMN valid_max,
        DROP COLUMN valid_min,
        DROP COLUMN "offset",
        DROP COLUMN scale_factor`);
  }
}
