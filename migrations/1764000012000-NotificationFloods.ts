import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Flood suppression and quiet hours for alarm notifications (docs/notifications.md):
 * - `notification_deliveries.kind = 'summary'`: one row per flooded channel and summary interval. It names no alarm,
 *   unit or rule (those columns become nullable); its text is built when it is sent, from the rows it adopts.
 * - `status = 'suppressed'`: a non-critical notification folded into a summary during a flood; `summary_id` is the
 *   summary that reported it (NULL until that summary is sent).
 * - At most one open (pending) summary per channel: the partial unique index is what lets several instances fold
 *   into the same summary without talking to each other.
 * - `notification_rules.quiet_hours`: `{start, end, timezone}` or NULL.
 */
export class NotificationFloods1764000012000 implements MigrationInterface {
  name = 'NotificationFloods1764000012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE notification_deliveries
        ALTER COLUMN alarm_id DROP NOT NULL,
        ALTER COLUMN unit_id DROP NOT NULL,
        ALTER COLUMN notification_rule_id DROP NOT NULL,
        ADD COLUMN summary_id int8,
        DROP CONSTRAINT notification_deliveries_kind_check,
        ADD CONSTRAINT notification_deliveries_kind_check CHECK (kind IN ('transition', 'escalation', 'summary')),
        DROP CONSTRAINT notification_deliveries_status_check,
        ADD CONSTRAINT notification_deliveries_status_check
          CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'cancelled', 'rejected', 'suppressed'))`);
    await q.query(`
      CREATE UNIQUE INDEX notification_deliveries_open_summary ON notification_deliveries (channel_id)
      WHERE kind = 'summary' AND status = 'pending'`);
    // The flood count: a channel's transition rows of the last window.
    await q.query(`
      CREATE INDEX notification_deliveries_flood ON notification_deliveries (channel_id, created_at)
      WHERE kind = 'transition'`);
    // A summary adopts its channel's suppressed rows that no summary reported yet.
    await q.query(`
      CREATE INDEX notification_deliveries_unreported ON notification_deliveries (channel_id)
      WHERE status = 'suppressed' AND summary_id IS NULL`);
    await q.query('ALTER TABLE notification_rules ADD COLUMN quiet_hours jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE notification_rules DROP COLUMN quiet_hours');
    await q.query("DELETE FROM notification_deliveries WHERE kind = 'summary' OR status = 'suppressed'");
    await q.query('DROP INDEX notification_deliveries_unreported');
    await q.query('DROP INDEX notification_deliveries_flood');
    await q.query('DROP INDEX notification_deliveries_open_summary');
    await q.query(`
      ALTER TABLE notification_deliveries
        DROP COLUMN summary_id,
        DROP CONSTRAINT notification_deliveries_kind_check,
        ADD CONSTRAINT notification_deliveries_kind_check CHECK (kind IN ('transition', 'escalation')),
        DROP CONSTRAINT notification_deliveries_status_check,
        ADD CONSTRAINT notification_deliveries_status_check
          CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'cancelled', 'rejected')),
        ALTER COLUMN alarm_id SET NOT NULL,
        ALTER COLUMN unit_id SET NOT NULL,
        ALTER COLUMN notification_rule_id SET NOT NULL`);
  }
}
