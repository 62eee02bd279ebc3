import type { AlarmAction, AlarmState } from './alarm-lifecycle.js';
import type { AlertSeverity } from './alert-rule.js';

/**
 * One alarm transition, exactly as every Socket.IO client receives it in `system_alert`. Times are ISO 8601 UTC.
 * Transitions are rare (one per alarm state change, never one per reading), so each travels on its own.
 */
export interface SystemAlert {
  /** The alarm: one per (rule, sensor) until it is back to normal and acknowledged. */
  id: string;
  rule_id: string;
  unit_id: string;
  sensor_type: string;
  severity: AlertSeverity;
  /** The state after the transition. */
  state: AlarmState;
  /** What happened: raise, clear, acknowledge, shelve, unshelve, disable (shelving keeps the state). */
  action: AlarmAction;
  /** Rendered from the rule's template when the alarm was (last) raised. */
  message: string;
  /** The value reported with the latest raise or clear (the rate for rate_of_change, seconds for no_data). */
  value: number | null;
  threshold: number | null;
  raised_at: string;
  acknowledged_at: string | null;
  cleared_at: string | null;
  /** While set and in the future, the alarm is shelved: tracked, but HMIs should not annunciate it. */
  shelved_until: string | null;
}

declare module '../common/bus/event-map.js' {
  interface EventMap {
    /** One alarm transition (src/alerts/alerts.service.ts); the gateway sends it as `system_alert`. */
    'alarm.transitioned': SystemAlert;
  }
}
