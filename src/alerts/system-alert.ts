import type { SystemAlert } from './alerts.events.js';
import type { AlarmChange } from './alarm-lifecycle.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The `system_alert` payload of one transition: the alarm as it is after it, and what happened. */
export function toSystemAlert({ alarm, transition }: AlarmChange): SystemAlert {
  return {
    id: alarm.id,
    rule_id: alarm.ruleId,
    unit_id: alarm.unitId,
    sensor_type: alarm.sensorType,
    severity: alarm.severity,
    state: alarm.state,
    action: transition.action,
    message: alarm.message,
    value: alarm.value,
    threshold: alarm.threshold,
    raised_at: new Date(alarm.raisedAt).toISOString(),
    acknowledged_at: iso(alarm.acknowledgedAt),
    cleared_at: iso(alarm.clearedAt),
    shelved_until: iso(alarm.shelvedUntil),
  };
}
