import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * sensor_readings loses its foreign key to sensors; what it guaranteed is kept per statement instead of per row.
 *
 * The key made PostgreSQL run an RI trigger for every stored reading (a `SELECT … FOR KEY SHARE` on sensors):
 * about half of the database's time per reading under an ingest flood. Measured with psql, 5,000-row batches, median
 * of 15: 78 ms for the old INSERT with the key, 50 ms for ReadingWriter's statement without it (PostgreSQL 15;
 * TimescaleDB 2.28: 80 and 52). Now:
 *
 * - ReadingWriter's one INSERT statement locks the batch's distinct sensors once (`FOR KEY SHARE`, as the RI trigger
 *   did per row), inserts only the readings whose sensor exists, and names the missing ones (src/telemetry/
 *   reading.writer.ts). It is the only writer of sensor_readings in the backend: rows inserted by other means (an
 *   operator's SQL) are no longer checked.
 * - ON DELETE CASCADE: a statement-level trigger deletes the readings of the deleted sensors, whether the sensors
 *   were deleted directly or by units' own cascade (units → sensors keeps its foreign key). Nothing else
 *   depended on this key: reading_dead_letters and commands name sensor ids without one, on purpose.
 * - TRUNCATE: the key refused `TRUNCATE sensors` and let `TRUNCATE units CASCADE` empty sensor_readings too; now a
 *   truncate of sensors (direct or cascaded) truncates sensor_readings, so neither leaves orphans.
 * - ON UPDATE NO ACTION: changing the id of a sensor that has readings is refused (SQLSTATE 23503), as before.
 *
 * The key's name is looked up (conrelid/confrelid), not assumed. On TimescaleDB every chunk carries a copy of it;
 * dropping it on the hypertable drops the copies, which the check after the drop makes sure of.
 */
export class SensorReadingsStatementCheck1764000019000 implements MigrationInterface {
  name = 'SensorReadingsStatementCheck1764000019000';

  async up(q: QueryRunner): Promise<void> {
    const keys = (await q.query(`
      SELECT quote_ident(conname) AS name FROM pg_constraint
       WHERE contype = 'f' AND conrelid = 'sensor_readings'::regclass AND confrelid = 'sensors'::regclass`)) as {
      name: string;
    }[];
    for (const key of keys) await q.query(`ALTER TABLE sensor_readings DROP CONSTRAINT ${key.name}`);
    const [left] = (await q.query(`
      SELECT count(*)::int AS n FROM pg_constraint
       WHERE contype = 'f' AND confrelid = 'sensors'::regclass
         AND conrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'sensor_readings'::regclass)`)) as {
      n: number;
    }[];
    if (left.n > 0) throw new Error(`${left.n} chunks of sensor_readings still have a foreign key to sensors`);

    // Transition table: one DELETE per statement on sensors, however many sensors it removed.
    await q.query(`
      CREATE FUNCTION sensors_delete_readings() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM sensor_readings WHERE sensor_id IN (SELECT id FROM gone);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER sensors_delete_readings AFTER DELETE ON sensors REFERENCING OLD TABLE AS gone
      FOR EACH STATEMENT EXECUTE FUNCTION sensors_delete_readings()`);
    await q.query(`
      CREATE FUNCTION sensors_truncate_readings() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE sensor_readings;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER sensors_truncate_readings AFTER TRUNCATE ON sensors
      FOR EACH STATEMENT EXECUTE FUNCTION sensors_truncate_readings()`);
    // A column trigger: last_seen and settings updates of sensors never fire it.
    await q.query(`
      CREATE FUNCTION sensors_keep_referenced_id() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM sensor_readings WHERE sensor_id = OLD.id) THEN
          RAISE EXCEPTION 'sensor % still has readings in sensor_readings: its id cannot change', OLD.id
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER sensors_keep_referenced_id AFTER UPDATE OF id ON sensors
      FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION sensors_keep_referenced_id()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS sensors_keep_referenced_id ON sensors`);
    await q.query(`DROP FUNCTION IF EXISTS sensors_keep_referenced_id()`);
    await q.query(`DROP TRIGGER IF EXISTS sensors_truncate_readings ON sensors`);
    await q.query(`DROP FUNCTION IF EXISTS sensors_truncate_readings()`);
    await q.query(`DROP TRIGGER IF EXISTS sensors_delete_readings ON sensors`);
    await q.query(`DROP FUNCTION IF EXISTS sensors_delete_readings()`);
    // NOT VALID: rows inserted by SQL while the key was gone were never checked, and an orphan among them would make
    // the rollback fail. New rows are checked at once; `ALTER TABLE sensor_readings VALIDATE CONSTRAINT
    // sensor_readings_sensor_id_fkey` checks the old ones once they are cleaned. On TimescaleDB the key reaches
    // every chunk, compressed ones included.
    await q.query(`
      ALTER TABLE sensor_readings ADD CONSTRAINT sensor_readings_sensor_id_fkey
        FOREIGN KEY (sensor_id) REFERENCES sensors (id) ON DELETE CASCADE NOT VALID`);
  }
}
