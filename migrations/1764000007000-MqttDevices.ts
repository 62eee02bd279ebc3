import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `mqtt_devices`: one row per device credential. The device connects with `name` as its MQTT user name; only the
 * SHA-256 of its secret is stored (checked by the embedded broker), and its Mosquitto `$7$` hash (PBKDF2-SHA512,
 * for the exported password file of an external broker). Revoked devices stay, for the audit trail.
 */
export class MqttDevices1764000007000 implements MigrationInterface {
  name = 'MqttDevices1764000007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mqtt_devices (
        id varchar(16) PRIMARY KEY,
        name varchar(64) NOT NULL,
        units text[] NOT NULL,
        publish_status boolean NOT NULL DEFAULT false,
        secret_hash char(64) NOT NULL,
        mosquitto_hash varchar(256) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        created_by varchar(256),
        revoked_at timestamptz,
        revoked_by varchar(256)
      )`);
    // One active credential per user name; a revoked name may be given to a new device.
    await q.query(`CREATE UNIQUE INDEX mqtt_devices_active_name ON mqtt_devices (name) WHERE revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS mqtt_devices`);
  }
}
