import { renderTemplate, type TemplateValue } from '../alerts/message-template.js';

/** The alarm as it was at the transition, stored with each delivery so a later change cannot rewrite the message. */
export interface NotificationPayload {
  alarm_id: string;
  rule_id: string;
  unit_id: string;
  sensor_type: string;
  severity: string;
  value: number | null;
  threshold: number | null;
  /** The alarm's lifecycle state after the transition (`active_unacknowledged`, …). */
  state: string;
  /** The alarm's own message, as the alert rule rendered it. */
  message: string;
  /** ISO 8601. */
  raised_at: string;
  at: string;
  /** Who acknowledged or shelved, when an operator did. */
  actor: string | null;
}

/** A notification ready to send. */
export interface RenderedNotification {
  subject: string;
  text: string;
}

/**
 * Fills a rule's subject and body with the alarm's fields (the alarm module's template helper: one pass, own
 * properties only, numbers rounded for people). `transition` is what the delivery tells, `step` its escalation level.
 */
export function renderNotification(
  templates: { subject: string; template: string },
  payload: NotificationPayload,
  transition: string,
  step: number,
): RenderedNotification {
  const values: Record<string, TemplateValue> = {
    ...payload,
    transition: step > 0 ? `escalated` : transition.replaceAll('_', ' '),
    step,
  };
  return { subject: renderTemplate(templates.subject, values), text: renderTemplate(templates.template, values) };
}
