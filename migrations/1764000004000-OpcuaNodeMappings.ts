import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `opcua_node_mappings`: which OPC UA node feeds which sensor, with the scale and offset that turn the node's raw
 * value into the sensor's unit (the seed's example: ns=2;i=123 → UNIT001/temperature, × 0.1 − 273.15). The client
 * restores a monitored item for every row at start-up and after every reconnect.
 *
 * - One mapping per node: a second one would create a second monitored item and store every change twice.
 * - One mapping per sensor: two nodes writing the same sensor would interleave two signals into one series.
 * - `value_offset`, not `offset`, which is an SQL keyword.
 */
export class OpcuaNodeMappings1764000004000 implements MigrationInterface {
  name = 'OpcuaNodeMappings1764000004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE opcua_node_mappings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        node_id varchar(512) NOT NULL UNIQUE,
        unit_id varchar(64) NOT NULL,
        sensor_type varchar(64) NOT NULL,
        scale_factor double precision NOT NULL DEFAULT 1,
        value_offset double precision NOT NULL DEFAULT 0,
        sampling_interval_ms integer NOT NULL DEFAULT 1000 CHECK (sampling_interval_ms >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (unit_id, sensor_type)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS opcua_node_mappings`);
  }
}
