/**
 * System alarms: conditions the backend watches in itself rather than in a sensor, raised and cleared through
 * the same ISA-18.2 lifecycle as every other alarm (listed in GET /alerts until acknowledged, sent as
 * `system_alert`, acknowledged and shelved the same way).
 *
 * Design:
 * - They belong to the reserved pseudo-unit `@system`. `@` is outside the identifier alphabet checked wherever a
 *   unit id enters (topics, socket events, REST, key scopes, rules), so no device can publish for it and no
 *   credential can be scoped to it: unit-scoped callers never see system alarms (the list filter, the 403 on one
 *   alarm, the socket's per-unit alarm rooms all treat it as a unit outside their scope); unscoped ones do. The
 *   payloads keep `unit_id` a string, so clients need no change.
 * - Their rules are constants, not rows: no one can edit, disable or delete them, and they are not in
 *   GET /alerts/rules. The ids are reserved UUIDs no stored rule gets (those are random v4).
 * - They are held in memory only, never written to `alarms`: what they report on is often the database itself,
 *   so an alarm that must be stored first could not be shown. After a restart the condition raises again on its
 *   next occurrence; they are not in GET /alerts/history.
 */
import type { AlertRule } from './alert-rule.js';

/** The unit of every system alarm; not a valid unit id, so no device or scoped credential can have it. */
export const SYSTEM_UNIT = '@system';

/** Raised while audit log writes fail (`scada_audit_write_failures_total` grows); clears when one is stored again. */
export const AUDIT_WRITE_RULE: AlertRule = {
  id: '00000000-0000-0000-0000-00000000a0d1',
  sensorType: 'audit_log',
  unitId: SYSTEM_UNIT,
  condition: 'greater_than',
  threshold: 0,
  low: null,
  high: null,
  ratePer: null,
  severity: 'high',
  message: 'Audit log writes are failing: management actions are not being recorded (the database refuses them)',
  deadband: 0,
  onDelaySeconds: 0,
  offDelaySeconds: 0,
  enabled: true,
};

const SYSTEM_RULE_IDS: ReadonlySet<string> = new Set([AUDIT_WRITE_RULE.id]);

export function isSystemAlarm(alarm: { ruleId: string }): boolean {
  return SYSTEM_RULE_IDS.has(alarm.ruleId);
}
