import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Supervisory control (src/commands, docs/commands.md):
 * - `sensors.command`: the point's command settings (channel, limits, select-before-operate, confirmation rule,
 *   timeout) as PUT /sensors/{id}/command-settings stores them; null = not writable. A column of the sensor, not a
 *   table of its own, so the sensors list returns it and deleting a sensor takes it along.
 * - `commands`: every command and its outcome. `previous_value` is the last stored value when it was issued (what the
 *   max-step limit was judged against). The partial unique index is the one-in-flight-per-point rule, held by the
 *   database so that two instances (or two racing requests) cannot both send to one point. No foreign key to
 *   `sensors`: a deleted sensor must not erase (or refuse) the record of what was commanded.
 */
export class Commands1764000011000 implements MigrationInterface {
  name = 'Commands1764000011000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE sensors
        ADD COLUMN command jsonb,
        ADD CONSTRAINT sensors_command_check CHECK (command IS NULL OR jsonb_typeof(command) = 'object')`);
    await q.query(`
      CREATE TABLE commands (
        id uuid PRIMARY KEY,
        unit_id varchar(64) NOT NULL,
        sensor_type varchar(64) NOT NULL,
        sensor_id integer NOT NULL,
        channel varchar(16) NOT NULL,
        value double precision NOT NULL,
        previous_value double precision,
        state varchar(16) NOT NULL
          CHECK (state IN ('pending', 'sent', 'confirmed', 'rejected', 'failed', 'timed_out')),
        confirmation varchar(16) NOT NULL CHECK (confirmation IN ('ack', 'readback', 'both')),
        reason varchar(500),
        comment varchar(500),
        selection_id uuid,
        issued_by varchar(256) NOT NULL,
        issued_by_id varchar(256) NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        sent_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`
      CREATE UNIQUE INDEX commands_one_open_per_point ON commands (unit_id, sensor_type)
      WHERE state IN ('pending', 'sent')`);
    await q.query('CREATE INDEX commands_by_unit ON commands (unit_id, created_at DESC, id DESC)');
    await q.query('CREATE INDEX commands_by_time ON commands (created_at DESC, id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE commands');
    await q.query('ALTER TABLE sensors DROP CONSTRAINT sensors_command_check, DROP COLUMN command');
  }
}
