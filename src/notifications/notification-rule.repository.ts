import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import type { AlertSeverity } from '../alerts/alert-rule.js';
import type { NotificationRule, NotificationRuleDefinition, NotifyTransition } from './notification-rule.js';
import type { QuietHours } from './quiet-hours.js';

interface RuleRow {
  id: string;
  name: string;
  enabled: boolean;
  min_severity: AlertSeverity;
  unit_ids: string[];
  sensor_types: string[];
  alert_rule_ids: string[];
  transitions: NotifyTransition[];
  channel_ids: string[];
  subject: string;
  template: string;
  escalation: { delay_seconds: number; channel_ids: string[] }[];
  quiet_hours: QuietHours | null;
  created_at: Date;
  updated_at: Date;
}

const toRule = (row: RuleRow): NotificationRule => ({
  id: row.id,
  name: row.name,
  enabled: row.enabled,
  minSeverity: row.min_severity,
  unitIds: row.unit_ids,
  sensorTypes: row.sensor_types,
  alertRuleIds: row.alert_rule_ids,
  transitions: row.transitions,
  channelIds: row.channel_ids,
  subject: row.subject,
  template: row.template,
  escalation: row.escalation.map((s) => ({ delaySeconds: s.delay_seconds, channelIds: s.channel_ids })),
  quietHours: row.quiet_hours,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The routing rules table; the outbox statement reads it directly (notification-outbox.extension.ts). */
@Injectable()
export class NotificationRuleRepository {
  constructor(private readonly db: DatabasePool) {}

  async list(): Promise<NotificationRule[]> {
    return (await this.db.query<RuleRow>('SELECT * FROM notification_rules ORDER BY created_at, id')).map(toRule);
  }

  async find(id: string): Promise<NotificationRule | null> {
    const [row] = await this.db.query<RuleRow>('SELECT * FROM notification_rules WHERE id = $1', [id]);
    return row === undefined ? null : toRule(row);
  }

  /** The quiet hours of those of these rules that have them (the worker's look at claimed rows). */
  async quietHoursOf(ids: readonly string[]): Promise<Map<string, QuietHours>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<{ id: string; quiet_hours: QuietHours }>(
      'SELECT id, quiet_hours FROM notification_rules WHERE id = ANY($1::uuid[]) AND quiet_hours IS NOT NULL',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.quiet_hours]));
  }

  async count(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_rules');
    return row.n;
  }

  async nameTaken(name: string, exceptId?: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM notification_rules WHERE name = $1 AND id IS DISTINCT FROM $2', [
      name,
      exceptId ?? null,
    ]);
    return rows.length > 0;
  }

  /** Rules that send to the channel, directly or in an escalation step. */
  async usingChannel(channelId: string): Promise<string[]> {
    const rows = await this.db.query<{ name: string }>(
      `SELECT name FROM notification_rules
       WHERE $1::uuid = ANY(channel_ids) OR escalation @> jsonb_build_array(jsonb_build_object('channel_ids',
             jsonb_build_array($1::text)))
       ORDER BY name`,
      [channelId],
    );
    return rows.map((r) => r.name);
  }

  async save(id: string, rule: NotificationRuleDefinition): Promise<NotificationRule> {
    const escalation = rule.escalation.map((s) => ({ delay_seconds: s.delaySeconds, channel_ids: s.channelIds }));
    const [row] = await this.db.query<RuleRow>(
      `INSERT INTO notification_rules (id, name, enabled, min_severity, unit_ids, sensor_types, alert_rule_ids,
                                       transitions, channel_ids, subject, template, escalation, quiet_hours)
       VALUES ($1, $2, $3, $4, $5::varchar[], $6::varchar[], $7::uuid[], $8::varchar[], $9::uuid[], $10, $11, $12::jsonb,
               $13::jsonb)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, enabled = EXCLUDED.enabled,
         min_severity = EXCLUDED.min_severity, unit_ids = EXCLUDED.unit_ids, sensor_types = EXCLUDED.sensor_types,
         alert_rule_ids = EXCLUDED.alert_rule_ids, transitions = EXCLUDED.transitions,
         channel_ids = EXCLUDED.channel_ids, subject = EXCLUDED.subject, template = EXCLUDED.template,
         escalation = EXCLUDED.escalation, quiet_hours = EXCLUDED.quiet_hours, updated_at = now()
       RETURNING *`,
      [
        id,
        rule.name,
        rule.enabled,
        rule.minSeverity,
        rule.unitIds,
        rule.sensorTypes,
        rule.alertRuleIds,
        rule.transitions,
        rule.channelIds,
        rule.subject,
        rule.template,
        JSON.stringify(escalation),
        rule.quietHours === null ? null : JSON.stringify(rule.quietHours),
      ],
    );
    return toRule(row);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM notification_rules WHERE id = $1', [id])) > 0;
  }
}
