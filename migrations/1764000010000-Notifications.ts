import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alarm notifications (src/notifications, docs/notifications.md):
 * - `notification_channels`: where messages go (webhook, e-mail, chat). `secret` (the webhook's HMAC key, the SMTP
 *   password, the chat webhook URL) is write-only in the API and never logged.
 * - `notification_rules`: which alarm transitions go to which channels, with their templates and escalation steps.
 * - `notification_deliveries`: the outbox. Rows are added in the statement that stores the alarm transitions
 *   (src/alerts/alarm.writer.ts + notification-outbox.extension.ts), so a transition and its notifications commit
 *   together; `dedup_key` makes that idempotent. No foreign keys on purpose: a channel or rule deleted meanwhile
 *   must not make the database refuse (and the writer drop) an alarm transition; the worker fails such rows.
 *   A worker claims due rows with FOR UPDATE SKIP LOCKED and a lease (`lease_until`, `lease_token`), so several
 *   instances send each row once, and a crashed one's rows are taken over when the lease runs out.
 */
export class Notifications1764000010000 implements MigrationInterface {
  name = 'Notifications1764000010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_channels (
        id uuid PRIMARY KEY,
        name varchar(100) NOT NULL UNIQUE,
        type varchar(16) NOT NULL CHECK (type IN ('webhook', 'email', 'chat')),
        enabled boolean NOT NULL DEFAULT true,
        config jsonb NOT NULL,
        secret text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE notification_rules (
        id uuid PRIMARY KEY,
        name varchar(100) NOT NULL UNIQUE,
        enabled boolean NOT NULL DEFAULT true,
        min_severity varchar(16) NOT NULL CHECK (min_severity IN ('info', 'warning', 'high', 'critical')),
        unit_ids varchar(64)[] NOT NULL DEFAULT '{}',
        sensor_types varchar(64)[] NOT NULL DEFAULT '{}',
        alert_rule_ids uuid[] NOT NULL DEFAULT '{}',
        transitions varchar(32)[] NOT NULL,
        channel_ids uuid[] NOT NULL,
        subject text NOT NULL,
        template text NOT NULL,
        escalation jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE notification_deliveries (
        id bigserial PRIMARY KEY,
        dedup_key varchar(300) NOT NULL UNIQUE,
        kind varchar(16) NOT NULL CHECK (kind IN ('transition', 'escalation')),
        alarm_id uuid NOT NULL,
        unit_id varchar(64) NOT NULL,
        notification_rule_id uuid NOT NULL,
        channel_id uuid NOT NULL,
        transition varchar(32) NOT NULL,
        step smallint NOT NULL DEFAULT 0,
        status varchar(16) NOT NULL
          CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'cancelled', 'rejected')),
        attempts integer NOT NULL DEFAULT 0,
        due_at timestamptz NOT NULL,
        lease_until timestamptz,
        lease_token uuid,
        subject text NOT NULL,
        template text NOT NULL,
        payload jsonb NOT NULL,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    // The worker's claim and the outbox depth read only the open rows; the prune job only the finished ones.
    await q.query(`
      CREATE INDEX notification_deliveries_open ON notification_deliveries (due_at)
      WHERE status IN ('pending', 'sending')`);
    await q.query(`
      CREATE INDEX notification_deliveries_finished ON notification_deliveries (finished_at)
      WHERE finished_at IS NOT NULL`);
    await q.query('CREATE INDEX notification_deliveries_status ON notification_deliveries (status, id)');
    await q.query('CREATE INDEX notification_deliveries_alarm ON notification_deliveries (alarm_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE notification_deliveries');
    await q.query('DROP TABLE notification_rules');
    await q.query('DROP TABLE notification_channels');
  }
}
