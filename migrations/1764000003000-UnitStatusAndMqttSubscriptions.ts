import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - `units.status_time`: the time of the status report now in `units.status`. A status is applied only when it is
 *   newer than this, so late, redelivered or concurrently processed reports (shared subscriptions split one unit's
 *   messages over several instances) cannot overwrite a newer status.
 * - `mqtt_subscriptions`: the topic filters each MQTT client id is subscribed to. The broker keeps subscriptions
 *   in the persistent session of that client id, across backend restarts; this table is the backend's copy, so a
 *   restarted backend resubscribes what it had, and unsubscribes what its configuration no longer wants instead
 *   of receiving it forever.
 */
export class UnitStatusAndMqttSubscriptions1764000003000 implements MigrationInterface {
  name = 'UnitStatusAndMqttSubscriptions1764000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE units ADD COLUMN status_time timestamptz`);
    await q.query(`
      CREATE TABLE mqtt_subscriptions (
        client_id varchar(256) NOT NULL,
        filter varchar(512) NOT NULL,
        qos smallint NOT NULL CHECK (qos IN (0, 1, 2)),
        configured boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, filter)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS mqtt_subscriptions`);
    await q.query(`ALTER TABLE units DROP COLUMN IF EXISTS status_time`);
  }
}
