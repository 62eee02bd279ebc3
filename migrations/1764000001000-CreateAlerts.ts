import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ALARM_STATES } from '../src/alerts/alarm-lifecycle.js';
import { ALERT_CONDITIONS, ALERT_SEVERITIES, DEFAULT_ALERT_RULES, RATE_PERIODS } from '../src/alerts/alert-rule.js';

const list = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

/**
 * alert_rules, alarms and alarm_events, and the default rules.
 *
 * - Rules are soft-deleted (`deleted_at`): an alarm keeps pointing at the rule that raised it, so the history
 *   still says what the limit was after the rule is gone.
 * - One open alarm per (rule, sensor) is the engine's promise; the partial unique index makes the database
 *   refuse a second one, whatever a bug or a second instance does.
 * - alarm_events is the audit trail of every transition: append-only, enforced by a trigger, so a correction is
 *   a new event rather than an edited one.
 * - The defaults are seeded here, not at every start, so they arrive once on a new database and a rule the
 *   operator deleted stays deleted. A later change to DEFAULT_ALERT_RULES reaches new installs only; existing
 *   ones change their rules over the API (or in a new migration).
 */
export class CreateAlerts1764000001000 implements MigrationInterface {
  name = 'CreateAlerts1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sensor_type varchar(64) NOT NULL,
        unit_id varchar(64),
        condition varchar(24) NOT NULL CHECK (condition IN (${list(ALERT_CONDITIONS)})),
        threshold double precision,
        low double precision,
        high double precision,
        rate_per varchar(6) CHECK (rate_per IN (${list(RATE_PERIODS)})),
        severity varchar(8) NOT NULL CHECK (severity IN (${list(ALERT_SEVERITIES)})),
        message varchar(500) NOT NULL,
        deadband double precision NOT NULL DEFAULT 0 CHECK (deadband >= 0),
        on_delay_s double precision NOT NULL DEFAULT 0 CHECK (on_delay_s >= 0),
        off_delay_s double precision NOT NULL DEFAULT 0 CHECK (off_delay_s >= 0),
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE alarms (
        id uuid PRIMARY KEY,
        rule_id uuid NOT NULL REFERENCES alert_rules (id),
        unit_id varchar(64) NOT NULL,
        sensor_type varchar(64) NOT NULL,
        severity varchar(8) NOT NULL CHECK (severity IN (${list(ALERT_SEVERITIES)})),
        state varchar(24) NOT NULL CHECK (state IN (${list(ALARM_STATES)})),
        message text NOT NULL,
        value double precision,
        threshold double precision,
        raised_at timestamptz NOT NULL,
        raise_count integer NOT NULL DEFAULT 1,
        acknowledged_at timestamptz,
        acknowledged_by varchar(128),
        acknowledge_comment varchar(500),
        cleared_at timestamptz,
        closed_at timestamptz,
        shelved_until timestamptz,
        shelved_by varchar(128),
        shelve_reason varchar(500),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX alarms_one_open_per_point ON alarms (rule_id, unit_id, sensor_type) WHERE state <> 'cleared'`,
    );
    await q.query(`CREATE INDEX alarms_raised_at ON alarms (raised_at DESC)`);

    await q.query(`
      CREATE TABLE alarm_events (
        id bigserial PRIMARY KEY,
        alarm_id uuid NOT NULL REFERENCES alarms (id),
        action varchar(12) NOT NULL,
        from_state varchar(24),
        to_state varchar(24) NOT NULL,
        at timestamptz NOT NULL,
        actor varchar(128),
        comment varchar(500),
        value double precision,
        shelved_until timestamptz
      )`);
    await q.query(`CREATE INDEX alarm_events_alarm ON alarm_events (alarm_id, at)`);
    await q.query(`
      CREATE FUNCTION alarm_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'alarm_events is append-only: % is not allowed', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER alarm_events_no_update BEFORE UPDATE OR DELETE ON alarm_events
      FOR EACH ROW EXECUTE FUNCTION alarm_events_append_only()`);
    await q.query(`
      CREATE TRIGGER alarm_events_no_truncate BEFORE TRUNCATE ON alarm_events
      FOR EACH STATEMENT EXECUTE FUNCTION alarm_events_append_only()`);

    // One microsecond apart, so listings (ordered by creation) show the defaults in their documented order.
    for (const [i, rule] of DEFAULT_ALERT_RULES.entries()) {
      await q.query(
        `INSERT INTO alert_rules (sensor_type, unit_id, condition, threshold, low, high, rate_per, severity, message,
                                  deadband, on_delay_s, off_delay_s, enabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                 now() + $14 * interval '1 microsecond', now() + $14 * interval '1 microsecond')`,
        [
          rule.sensorType,
          rule.unitId,
          rule.condition,
          rule.threshold,
          rule.low,
          rule.high,
          rule.ratePer,
          rule.severity,
          rule.message,
          rule.deadband,
          rule.onDelaySeconds,
          rule.offDelaySeconds,
          rule.enabled,
          i,
        ],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS alarm_events`);
    await q.query(`DROP FUNCTION IF EXISTS alarm_events_append_only()`);
    await q.query(`DROP TABLE IF EXISTS alarms`);
    await q.query(`DROP TABLE IF EXISTS alert_rules`);
  }
}
