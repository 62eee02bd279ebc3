import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `mqtt_devices.sparkplug_nodes`: the Sparkplug B edge nodes (`{group}/{edge node}`) a device may speak for on the
 * embedded broker and in the exported Mosquitto ACL (docs/sparkplug.md, "Brokers and credentials"). Empty for every
 * existing device: nothing is granted by the upgrade.
 */
export class DeviceSparkplugNodes1764000018000 implements MigrationInterface {
  name = 'DeviceSparkplugNodes1764000018000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mqtt_devices ADD COLUMN sparkplug_nodes text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mqtt_devices DROP COLUMN IF EXISTS sparkplug_nodes`);
  }
}
