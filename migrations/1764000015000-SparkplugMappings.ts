import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `sparkplug_mappings`: engineers' overrides of the default Sparkplug mapping (docs/sparkplug.md#mapping-overrides).
 * One row per edge node, or per device of an edge node, with the unit its metrics go to instead of
 * `{group}_{edge node}[_{device}]`, and metric name → sensor type renames. The host restores every row at start-up
 * and applies a row at the node's (device's) next birth.
 *
 * - `device_id` is '' for the edge node's own metrics (Sparkplug ids are never empty), so the natural key is unique
 *   without NULL's exceptions.
 * - `unit_id` is unique: two nodes feeding one unit would interleave their points.
 * - `metrics` is a jsonb object, read and replaced whole with its row, never queried by metric.
 */
export class SparkplugMappings1764000015000 implements MigrationInterface {
  name = 'SparkplugMappings1764000015000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sparkplug_mappings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        group_id varchar(128) NOT NULL,
        edge_node_id varchar(128) NOT NULL,
        device_id varchar(128) NOT NULL DEFAULT '',
        unit_id varchar(64) NOT NULL UNIQUE,
        metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (group_id, edge_node_id, device_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS sparkplug_mappings`);
  }
}
