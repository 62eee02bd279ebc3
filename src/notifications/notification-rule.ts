/**
 * Routing rules: which alarm transitions go to which channels, with what message, and who is told next while an
 * alarm stays unacknowledged (escalation). Pure: the outbox statement (notification-outbox.extension.ts) does the
 * matching in SQL against the stored rules, so every instance routes by the same, current rules.
 */
import type { AlarmChange } from '../alerts/alarm-lifecycle.js';
import { ALERT_SEVERITIES, type AlertSeverity } from '../alerts/alert-rule.js';
import { placeholdersIn } from '../alerts/message-template.js';
import { type QuietHours, quietHoursProblems } from './quiet-hours.js';

/**
 * What a rule can be told about. `returned_to_normal`: the condition went back to normal (the alarm may still
 * wait for its acknowledgement); `cleared`: the alarm closed (normal and acknowledged, or its alert rule disabled).
 */
export const NOTIFY_TRANSITIONS = ['raised', 'returned_to_normal', 'acknowledged', 'shelved', 'cleared'] as const;
export type NotifyTransition = (typeof NOTIFY_TRANSITIONS)[number];

/** What a message template may use; `{transition}` is `escalated` (and `{step}` 1, 2, …) for escalation steps. */
export const NOTIFICATION_PLACEHOLDERS = [
  'unit_id',
  'sensor_type',
  'severity',
  'value',
  'threshold',
  'state',
  'message',
  'transition',
  'step',
  'alarm_id',
  'rule_id',
  'raised_at',
  'at',
  'actor',
] as const;

export const DEFAULT_SUBJECT = '[{severity}] {unit_id} {sensor_type}: {transition}';
export const DEFAULT_TEMPLATE = '{message} (unit {unit_id}, {sensor_type} = {value}, state {state})';
export const MAX_ESCALATION_STEPS = 5;
/** An escalation later than a day is a new shift's problem, not this alarm's. */
export const MAX_ESCALATION_DELAY_SECONDS = 86_400;
export const MAX_TEMPLATE_LENGTH = 2000;
const MAX_LIST = 100;

/** One escalation level: after `delaySeconds` still unacknowledged, notify `channelIds`. */
export interface EscalationStep {
  delaySeconds: number;
  channelIds: string[];
}

export interface NotificationRuleDefinition {
  name: string;
  enabled: boolean;
  /** The least severity an alarm must have. */
  minSeverity: AlertSeverity;
  /** Empty: every unit (and likewise sensor types and alert rules). */
  unitIds: string[];
  sensorTypes: string[];
  alertRuleIds: string[];
  transitions: NotifyTransition[];
  channelIds: string[];
  /** The e-mail subject (and the first line of chat messages). */
  subject: string;
  template: string;
  escalation: EscalationStep[];
  /** When its non-critical notifications are held until the quiet hours end; null: never. */
  quietHours: QuietHours | null;
}

export interface NotificationRule extends NotificationRuleDefinition {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What is wrong with a rule, one sentence per problem; `knownChannel` says which channel ids exist. */
export function validateNotificationRule(
  rule: NotificationRuleDefinition,
  knownChannel: (id: string) => boolean,
): string[] {
  const problems: string[] = [];
  if (rule.name.trim() === '' || rule.name.length > 100) problems.push('name must be 1 to 100 characters');
  if (!(ALERT_SEVERITIES as readonly string[]).includes(rule.minSeverity)) {
    problems.push(`min_severity must be one of ${ALERT_SEVERITIES.join(', ')}`);
  }
  for (const [field, list] of [
    ['unit_ids', rule.unitIds],
    ['sensor_types', rule.sensorTypes],
    ['alert_rule_ids', rule.alertRuleIds],
  ] as const) {
    if (list.length > MAX_LIST) problems.push(`${field} may list at most ${MAX_LIST} entries`);
  }
  if (rule.transitions.length === 0 && rule.escalation.length === 0) {
    problems.push('transitions must name at least one transition (or the rule must escalate)');
  }
  const unknown = [...rule.channelIds, ...rule.escalation.flatMap((s) => s.channelIds)].filter(
    (id) => !knownChannel(id),
  );
  for (const id of new Set(unknown)) problems.push(`Unknown notification channel '${id}'`);
  if (rule.transitions.length > 0 && rule.channelIds.length === 0) {
    problems.push('channel_ids must name at least one channel for the transitions');
  }
  if (rule.escalation.length > MAX_ESCALATION_STEPS) {
    problems.push(`escalation may have at most ${MAX_ESCALATION_STEPS} steps`);
  }
  let previous = 0;
  rule.escalation.forEach((step, i) => {
    const d = step.delaySeconds;
    if (!Number.isInteger(d) || d < 1 || d > MAX_ESCALATION_DELAY_SECONDS) {
      problems.push(`escalation[${i}].delay_seconds must be an integer from 1 to ${MAX_ESCALATION_DELAY_SECONDS}`);
    } else if (d <= previous) {
      problems.push(`escalation[${i}].delay_seconds must be later than the step before`);
    }
    previous = Number.isInteger(d) ? d : previous;
    if (step.channelIds.length === 0) problems.push(`escalation[${i}].channel_ids must name at least one channel`);
  });
  for (const [field, text] of [
    ['subject', rule.subject],
    ['template', rule.template],
  ] as const) {
    if (text.trim() === '' || text.length > MAX_TEMPLATE_LENGTH) {
      problems.push(`${field} must be 1 to ${MAX_TEMPLATE_LENGTH} characters`);
    }
    const unknownNames = placeholdersIn(text).filter(
      (name) => !(NOTIFICATION_PLACEHOLDERS as readonly string[]).includes(name),
    );
    for (const name of unknownNames) {
      problems.push(`${field} uses {${name}}, which is not one of ${NOTIFICATION_PLACEHOLDERS.join(', ')}`);
    }
  }
  if (rule.quietHours !== null) problems.push(...quietHoursProblems(rule.quietHours));
  return problems;
}

/**
 * What a stored transition tells rules, most specific first (the first one a rule asks for names the delivery).
 * A shelved alarm does not annunciate (alarm-lifecycle.ts), so while its shelve runs only the shelving itself is
 * told; un-shelving tells nothing (the next raise or clear will).
 */
export function notifyTransitionsOf(change: AlarmChange): NotifyTransition[] {
  const { alarm, transition: t } = change;
  if (t.action === 'shelve') return ['shelved'];
  if (alarm.shelvedUntil !== null && t.at < alarm.shelvedUntil) return [];
  const closed: NotifyTransition[] = t.to === 'cleared' ? ['cleared'] : [];
  switch (t.action) {
    case 'raise':
      return ['raised'];
    case 'clear':
      return ['returned_to_normal', ...closed];
    case 'acknowledge':
      return ['acknowledged', ...closed];
    case 'disable':
      return closed;
    case 'unshelve':
      return [];
  }
}
