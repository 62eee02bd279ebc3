/**
 * Flood suppression (ISA-18.2 / EEMUA 191: more than 10 alarms in 10 minutes is more than one person can handle).
 * Pure: the worker asks the database how many distinct alarms a channel was told about in the window up to a
 * notification (so every instance reaches the same answer from the same rows) and this decides what that means.
 *
 * The flood is counted per channel: a channel is where one person or one on-call rota reads the messages, which is
 * what "per operator" means here. Critical alarms count towards the flood but always go out one by one; escalation
 * steps go out one by one too (they are the exception path for alarms nobody acted on, and acknowledging cancels
 * them). Every other notification of a flooded channel is folded into the channel's open summary.
 */
import { ALERT_SEVERITIES, SEVERITY_RANK, type AlertSeverity } from '../alerts/alert-rule.js';
import type { NotificationPayload } from './notification-message.js';

export interface FloodSettings {
  /** More than this many distinct alarms on one channel within `windowMs` is a flood; 0: never. */
  threshold: number;
  windowMs: number;
  /** How long a summary gathers folded notifications before it is sent. */
  summaryMs: number;
}

/** Whether a notification is folded into its channel's summary instead of being sent by itself. */
export function foldsIntoSummary(
  notification: { kind: string; severity: string },
  alarmsInWindow: number,
  settings: FloodSettings,
): boolean {
  return (
    settings.threshold > 0 &&
    notification.kind === 'transition' &&
    notification.severity !== 'critical' &&
    alarmsInWindow > settings.threshold
  );
}

/** One folded notification as the summary reads it. */
export interface FoldedNotification {
  transition: string;
  payload: NotificationPayload;
}

/** The summary's figures (also sent as `summary` in a webhook body). */
export interface FloodSummary {
  /** Notifications folded into this summary. */
  notifications: number;
  /** Distinct alarms among them. */
  alarms: number;
  by_severity: Record<string, number>;
  by_transition: Record<string, number>;
  /** Most notified units first, at most MAX_UNITS_LISTED; `other_units` counts the rest. */
  by_unit: { unit_id: string; count: number }[];
  other_units: number;
  first: NotificationPayload | null;
  worst: NotificationPayload | null;
}

export const MAX_UNITS_LISTED = 20;

const rank = (severity: string): number =>
  (ALERT_SEVERITIES as readonly string[]).includes(severity) ? SEVERITY_RANK[severity as AlertSeverity] : -1;
const at = (p: NotificationPayload): number => Date.parse(p.at);

/**
 * Counts by severity, transition and unit, and the first (earliest) and worst (highest severity, earliest among
 * equals) alarm of what was folded. The order of `folded` does not matter.
 */
export function summarizeFlood(folded: readonly FoldedNotification[]): FloodSummary {
  const bySeverity: Record<string, number> = {};
  const byTransition: Record<string, number> = {};
  const byUnit = new Map<string, number>();
  const alarms = new Set<string>();
  let first: NotificationPayload | null = null;
  let worst: NotificationPayload | null = null;
  for (const { transition, payload } of folded) {
    bySeverity[payload.severity] = (bySeverity[payload.severity] ?? 0) + 1;
    byTransition[transition] = (byTransition[transition] ?? 0) + 1;
    byUnit.set(payload.unit_id, (byUnit.get(payload.unit_id) ?? 0) + 1);
    alarms.add(payload.alarm_id);
    if (first === null || at(payload) < at(first)) first = payload;
    const r = rank(payload.severity);
    const w = worst === null ? -2 : rank(worst.severity);
    if (worst === null || r > w || (r === w && at(payload) < at(worst))) worst = payload;
  }
  const units = [...byUnit]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([unit_id, count]) => ({ unit_id, count }));
  return {
    notifications: folded.length,
    alarms: alarms.size,
    by_severity: bySeverity,
    by_transition: byTransition,
    by_unit: units.slice(0, MAX_UNITS_LISTED),
    other_units: Math.max(0, units.length - MAX_UNITS_LISTED),
    first,
    worst,
  };
}

const describe = (p: NotificationPayload): string =>
  `[${p.severity}] ${p.unit_id} ${p.sensor_type}: ${p.message} (at ${p.at})`;

/** The summary as people read it (e-mail subject and body, chat text). */
export function renderFloodSummary(
  summary: FloodSummary,
  channelName: string,
  since: Date,
): { subject: string; text: string } {
  const counts = (record: Record<string, number>, order: readonly string[]) =>
    Object.entries(record)
      .sort((a, b) => order.indexOf(b[0]) - order.indexOf(a[0]) || a[0].localeCompare(b[0]))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  const units = summary.by_unit.map((u) => `${u.unit_id} ${u.count}`).join(', ');
  const lines = [
    `Alarm flood on '${channelName}': ${summary.notifications} notifications of ${summary.alarms} alarms held back ` +
      `since ${since.toISOString()} (critical alarms are still sent one by one).`,
    `By severity: ${counts(summary.by_severity, ALERT_SEVERITIES)}`,
    `By transition: ${counts(summary.by_transition, [])}`,
    `By unit: ${units}${summary.other_units > 0 ? ` and ${summary.other_units} more units` : ''}`,
  ];
  if (summary.first !== null) lines.push(`First: ${describe(summary.first)}`);
  if (summary.worst !== null) lines.push(`Worst: ${describe(summary.worst)}`);
  const worst = summary.worst === null ? '' : ` (worst: ${summary.worst.severity})`;
  return {
    subject: `[flood] ${summary.notifications} alarm notifications held back${worst}`,
    text: lines.join('\n'),
  };
}
