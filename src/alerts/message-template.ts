/**
 * Alarm message templates: `"High temperature alert: {value}°C"`.
 *
 * Design:
 * - One pass over the template with a replacement callback. A value that itself contains `{value}` is never
 *   expanded again, and `$&`-style patterns in values mean nothing (String.replace with a string would
 *   interpret them).
 * - Placeholders are looked up as own properties only, so `{constructor}` or `{__proto__}` cannot reach
 *   Object.prototype; a placeholder without a value is left as written, so a typo stays visible to the
 *   operator instead of silently vanishing (the rule validator also reports it when the rule is saved).
 * - Numbers are rounded for people, not for machines: readings carry sensor noise in their last digits, and
 *   "85.4" reads better on an alarm banner than "85.40000000000001". The raw value travels next to the message.
 */
import type { AlertRule } from './alert-rule.js';

/** The placeholders an alarm message may use. */
export const MESSAGE_PLACEHOLDERS = ['value', 'state', 'threshold', 'unit_id', 'sensor_type'] as const;
export type MessagePlaceholder = (typeof MESSAGE_PLACEHOLDERS)[number];

/** What a placeholder may be filled with; null and undefined render as `n/a`. */
export type TemplateValue = string | number | null | undefined;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Formats a number for an operator: integers as they are, at most two decimals from 1 upwards, three
 * significant digits below 1 (so 0.000123 bar stays visible instead of rounding to 0), no negative zero.
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return String(Math.abs(n) >= 1 ? Number(n.toFixed(2)) : Number(n.toPrecision(3)));
}

function formatValue(value: TemplateValue): string {
  if (value === null || value === undefined) return 'n/a';
  return typeof value === 'number' ? formatNumber(value) : value;
}

/** Fills `{name}` placeholders from `values`; placeholders with no entry in `values` are left as written. */
export function renderTemplate(template: string, values: Readonly<Record<string, TemplateValue>>): string {
  return template.replace(PLACEHOLDER, (whole: string, name: string) =>
    Object.hasOwn(values, name) ? formatValue(values[name]) : whole,
  );
}

/** The distinct placeholder names a template uses, in order of first use. */
export function placeholdersIn(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) names.add(match[1]);
  return [...names];
}

/** The threshold as an operator reads it: `85`, `0.5–8` for a range, nothing for conditions without one. */
export function thresholdText(rule: Pick<AlertRule, 'condition' | 'threshold' | 'low' | 'high'>): string | null {
  switch (rule.condition) {
    case 'outside_range':
    case 'inside_range':
      return rule.low === null || rule.high === null ? null : `${formatNumber(rule.low)}–${formatNumber(rule.high)}`;
    case 'bad_quality':
      return null;
    case 'greater_than':
    case 'less_than':
    case 'greater_or_equal':
    case 'less_or_equal':
    case 'equals':
    case 'not_equals':
    case 'rate_of_change':
    case 'no_data':
      return rule.threshold === null ? null : formatNumber(rule.threshold);
  }
}

/** What an alarm's message says about one sensor. */
export interface AlarmMessageContext {
  unitId: string;
  sensorType: string;
  /** The value the evaluator reported with the transition (see AlarmTransitionRequest.value). */
  value: number | null;
  /** The state name of that value on a digital or enum point (`fault`); {state} falls back to the value. */
  state?: string;
}

/** Renders a rule's message for one sensor. */
export function renderAlarmMessage(
  rule: Pick<AlertRule, 'message' | 'condition' | 'threshold' | 'low' | 'high'>,
  context: AlarmMessageContext,
): string {
  const values: Record<MessagePlaceholder, TemplateValue> = {
    value: context.value,
    state: context.state ?? context.value,
    threshold: thresholdText(rule),
    unit_id: context.unitId,
    sensor_type: context.sensorType,
  };
  return renderTemplate(rule.message, values);
}
