import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Readings the database refused for a reason that never heals (SQLSTATE class 22 or 23: a check, not-null or
 * foreign-key violation), kept with the reason so an operator can see what was refused and why, instead of the
 * batch being retried forever. No foreign keys on purpose: the sensor a row names may be the very one that is gone.
 * Bounded by DEAD_LETTER_MAX_ROWS and DEAD_LETTER_MAX_AGE (the prune job); the index on dead_lettered_at serves it.
 */
export class ReadingDeadLetters1764000008000 implements MigrationInterface {
  name = 'ReadingDeadLetters1764000008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reading_dead_letters (
        id bigserial PRIMARY KEY,
        dead_lettered_at timestamptz NOT NULL DEFAULT now(),
        unit_id varchar(64) NOT NULL,
        sensor_type varchar(64) NOT NULL,
        sensor_id integer,
        value double precision,
        quality varchar(9),
        time timestamptz,
        source varchar(16) NOT NULL,
        sqlstate varchar(5) NOT NULL,
        reason varchar(64) NOT NULL,
        constraint_name varchar(128),
        message text NOT NULL
      )`);
    await q.query('CREATE INDEX reading_dead_letters_unit_id ON reading_dead_letters (unit_id, id)');
    await q.query('CREATE INDEX reading_dead_letters_dead_lettered_at ON reading_dead_letters (dead_lettered_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE reading_dead_letters');
  }
}
