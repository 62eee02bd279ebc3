import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `modbus_devices`: the Modbus TCP devices the backend polls, each with its register map. The points are one
 * jsonb array of the device (validated by the API before they are stored: src/modbus/device.validator.ts), because
 * a register map is read, replaced and planned whole, never queried point by point; the poller restores every row
 * at start-up.
 *
 * - `name` is unique: it is how operators tell devices apart in the status and /metrics.
 * - `modbus_unit_id` is the protocol's unit identifier (slave id), not a SCADA unit: those are in the points.
 */
export class ModbusDevices1764000014000 implements MigrationInterface {
  name = 'ModbusDevices1764000014000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE modbus_devices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(64) NOT NULL UNIQUE,
        host varchar(255) NOT NULL,
        port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
        modbus_unit_id integer NOT NULL CHECK (modbus_unit_id BETWEEN 0 AND 255),
        poll_interval_ms integer NOT NULL CHECK (poll_interval_ms >= 100),
        timeout_ms integer NOT NULL CHECK (timeout_ms >= 50),
        max_gap integer NOT NULL DEFAULT 0 CHECK (max_gap >= 0),
        points jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS modbus_devices`);
  }
}
