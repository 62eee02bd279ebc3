import type { AlarmWriteExtension } from '../alerts/alarm-write.extension.js';
import type { AlarmChange } from '../alerts/alarm-lifecycle.js';
import { ALERT_SEVERITIES, SEVERITY_RANK } from '../alerts/alert-rule.js';
import type { NotificationPayload } from './notification-message.js';
import { notifyTransitionsOf } from './notification-rule.js';

/** One transition as the outbox statement reads it. */
export interface OutboxTransition {
  ord: number;
  /** alarm, action and time: with the rule and channel, the delivery's dedup key. */
  key: string;
  alarm_id: string;
  rule_id: string;
  unit_id: string;
  sensor_type: string;
  severity_rank: number;
  /** What it tells rules, most specific first; escalation starts on `raised`. */
  kinds: string[];
  /** Epoch microseconds. */
  at: number;
  payload: NotificationPayload;
}

const SEVERITY_ORDER = `ARRAY[${ALERT_SEVERITIES.map((s) => `'${s}'`).join(', ')}]::varchar[]`;
const RULE_MATCHES = `
  r.enabled
  AND array_position(${SEVERITY_ORDER}, r.min_severity) - 1 <= t.severity_rank
  AND (cardinality(r.unit_ids) = 0 OR t.unit_id = ANY(r.unit_ids))
  AND (cardinality(r.sensor_types) = 0 OR t.sensor_type = ANY(r.sensor_types))
  AND (cardinality(r.alert_rule_ids) = 0 OR t.rule_id = ANY(r.alert_rule_ids))`;

/**
 * Queues the notifications of alarm transitions in the outbox, inside the alarm writer's statement (so they commit
 * with the transitions: none is lost, none is sent for a transition that was not stored). Rules and channels are
 * matched in SQL against the stored ones, so every instance routes the same way without a cache to keep in step.
 *
 * - One row per (transition, rule, channel), named by the first of the transition's kinds the rule asks for; the
 *   dedup key makes a retried write a no-op. Escalation steps of a raise are queued at once, due after their delay;
 *   the worker cancels them when the alarm is acknowledged by then (one place decides, whatever the order of events).
 * - Bounded: once NOTIFICATIONS_MAX_OUTBOX rows wait, further rows are stored as `rejected` ('outbox full'): visible
 *   and counted, never queued. (The count is read in the statement's snapshot, so instances writing at the same
 *   moment can overshoot by one batch.)
 * - Disabled channels are skipped; a deleted one cannot be joined, so nothing is queued for it.
 */
export class NotificationOutboxExtension implements AlarmWriteExtension {
  readonly name = 'notification_outbox';
  readonly paramCount = 2;

  constructor(private readonly maxOutbox: number) {}

  statement(first: number): string {
    const transitions = `jsonb_to_recordset($${first}::jsonb) AS t(
      ord int, key varchar, alarm_id uuid, rule_id uuid, unit_id varchar, sensor_type varchar, severity_rank int,
      kinds varchar[], at int8, payload jsonb)`;
    const at = `timestamptz 'epoch' + t.at * interval '1 microsecond'`;
    return `
      INSERT INTO notification_deliveries (dedup_key, kind, alarm_id, unit_id, notification_rule_id, channel_id,
                                           transition, step, status, due_at, subject, template, payload, last_error,
                                           finished_at)
      SELECT q.dedup_key, q.kind, q.alarm_id, q.unit_id, q.rule_id, q.channel_id, q.transition, q.step,
             CASE WHEN q.fits THEN 'pending' ELSE 'rejected' END, q.due_at, q.subject, q.template, q.payload,
             CASE WHEN q.fits THEN NULL ELSE 'outbox full' END, CASE WHEN q.fits THEN NULL ELSE now() END
      FROM (
        SELECT m.*, depth.n + row_number() OVER (ORDER BY m.ord, m.step, m.channel_id) <= $${first + 1}::int AS fits
        FROM (
          SELECT t.ord, 'transition' AS kind, t.alarm_id, t.unit_id, r.id AS rule_id, c.id AS channel_id, 0 AS step,
                 (SELECT k FROM unnest(t.kinds) WITH ORDINALITY AS u(k, i) WHERE k = ANY(r.transitions)
                  ORDER BY i LIMIT 1) AS transition,
                 now() AS due_at, r.subject, r.template, t.payload,
                 t.key || '|' || r.id || '|' || c.id AS dedup_key
          FROM ${transitions}
          JOIN notification_rules r ON ${RULE_MATCHES} AND t.kinds && r.transitions
          JOIN notification_channels c ON c.id = ANY(r.channel_ids) AND c.enabled
          UNION ALL
          SELECT t.ord, 'escalation', t.alarm_id, t.unit_id, r.id, c.id, s.n::int, 'raised',
                 ${at} + (s.step->>'delay_seconds')::int * interval '1 second', r.subject, r.template, t.payload,
                 'esc|' || t.alarm_id || '|' || r.id || '|' || s.n || '|' || c.id
          FROM ${transitions}
          JOIN notification_rules r ON ${RULE_MATCHES} AND 'raised' = ANY(t.kinds)
          CROSS JOIN LATERAL jsonb_array_elements(r.escalation) WITH ORDINALITY AS s(step, n)
          JOIN notification_channels c
            ON c.enabled AND c.id::text IN (SELECT jsonb_array_elements_text(s.step->'channel_ids'))
        ) m
        CROSS JOIN (SELECT count(*) AS n FROM notification_deliveries WHERE status IN ('pending', 'sending')) depth
      ) q
      ON CONFLICT (dedup_key) DO NOTHING`;
  }

  params(changes: readonly AlarmChange[]): unknown[] {
    return [JSON.stringify(this.transitions(changes)), this.maxOutbox];
  }

  /** The transitions that can notify anyone (a shelved alarm's raise, an un-shelve cannot), as the statement reads them. */
  transitions(changes: readonly AlarmChange[]): OutboxTransition[] {
    const out: OutboxTransition[] = [];
    changes.forEach((change, ord) => {
      const kinds = notifyTransitionsOf(change);
      if (kinds.length === 0) return;
      const { alarm, transition: t } = change;
      const at = Math.round(t.at * 1000);
      out.push({
        ord,
        key: `${alarm.id}|${t.action}|${at}`,
        alarm_id: alarm.id,
        rule_id: alarm.ruleId,
        unit_id: alarm.unitId,
        sensor_type: alarm.sensorType,
        severity_rank: SEVERITY_RANK[alarm.severity],
        kinds,
        at,
        payload: {
          alarm_id: alarm.id,
          rule_id: alarm.ruleId,
          unit_id: alarm.unitId,
          sensor_type: alarm.sensorType,
          severity: alarm.severity,
          value: alarm.value,
          threshold: alarm.threshold,
          state: alarm.state,
          message: alarm.message,
          raised_at: new Date(alarm.raisedAt).toISOString(),
          at: new Date(t.at).toISOString(),
          actor: t.actor ?? null,
        },
      });
    });
    return out;
  }
}
