import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Point kinds (src/processor/point-kind.ts): what a sensor's number means.
 *
 * - `kind`: `analog`, `digital` or `enum`; null until someone (an engineer through PATCH /sensors/{id}, or a
 *   source's declaration such as an OPC UA Boolean node) says, and read as `analog`. Null is kept apart from an
 *   explicit `analog` so a declaration fills only a kind nobody chose, as it does for the labels.
 * - `states`: the state table, `[{"value": 0, "name": "stopped"}, ...]`; required for `enum`, optional labels for
 *   `digital` (OFF/ON when null), absent for analog. The API checks the entries; the table checks the shape, so a
 *   direct SQL edit cannot leave a kind the processor would misread.
 */
export class SensorPointKinds1764000009000 implements MigrationInterface {
  name = 'SensorPointKinds1764000009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE sensors
        ADD COLUMN kind varchar(16),
        ADD COLUMN states jsonb,
        ADD CONSTRAINT sensors_kind_check CHECK (kind IN ('analog', 'digital', 'enum')),
        ADD CONSTRAINT sensors_states_check
          CHECK (states IS NULL OR (jsonb_typeof(states) = 'array' AND jsonb_array_length(states) BETWEEN 1 AND 64)),
        ADD CONSTRAINT sensors_kind_states_check
          CHECK (NOT (COALESCE(kind, 'analog') = 'analog' AND states IS NOT NULL)
                 AND NOT (kind = 'enum' AND states IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE sensors
        DROP CONSTRAINT sensors_kind_states_check,
        DROP CONSTRAINT sensors_states_check,
        DROP CONSTRAINT sensors_kind_check,
        DROP COLUMN states,
        DROP COLUMN kind`);
  }
}
