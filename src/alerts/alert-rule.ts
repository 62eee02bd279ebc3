/**
 * Alert rules: what to watch, when it is abnormal, how loud to say so.
 *
 * Design:
 * - One flat shape for every condition (threshold, low, high, ratePer are null where a condition does not use
 *   them) because that is how a rule is stored, sent over REST and patched: a PATCH that changes the condition
 *   must not have to reshape the object. `validateAlertRule` is what ties fields to conditions.
 * - `threshold` is reused by the two conditions that are not a value comparison, so `{threshold}` in a message
 *   stays meaningful: for `rate_of_change` it is the largest allowed |rate| in units per `ratePer`, for
 *   `no_data` the silence in seconds.
 * - Severity has four levels, not the three first asked for. ISA-18.2 and EEMUA 191 recommend three or four
 *   alarm priorities with a steep distribution (roughly 80 % low, 15 % medium, 5 % high) plus *alerts* that
 *   need no timely operator action. With only warning and critical, everything urgent but not dangerous drifts
 *   up to critical, and critical stops meaning "act now". So: `info` (an ISA-18.2 alert: logged and shown, no
 *   response expected), `warning` (low priority), `high` (medium: respond soon), `critical` (highest: act now,
 *   used sparingly).
 * - Deadband is the hysteresis to *clear*, in the rule's units (see alarm.evaluator.ts for each condition). It
 *   is ignored where no numeric band makes sense: `not_equals`, `bad_quality`, `no_data`.
 * - Delays are in seconds; on-delay filters transients before raising, off-delay filters chatter before
 *   clearing (ISA-18.2's tools against nuisance alarms, with deadband).
 */
import { MESSAGE_PLACEHOLDERS, placeholdersIn } from './message-template.js';
import { IDENTIFIER } from '../common/identifier.js';

export const ALERT_CONDITIONS = [
  'greater_than',
  'less_than',
  'greater_or_equal',
  'less_or_equal',
  'equals',
  'not_equals',
  'outside_range',
  'inside_range',
  'rate_of_change',
  'bad_quality',
  'no_data',
] as const;
/** How a rule decides that a sensor is abnormal. */
export type AlertCondition = (typeof ALERT_CONDITIONS)[number];

/** Conditions that compare one value with `threshold`. */
export const COMPARISON_CONDITIONS = [
  'greater_than',
  'less_than',
  'greater_or_equal',
  'less_or_equal',
  'equals',
  'not_equals',
] as const satisfies readonly AlertCondition[];

/** Conditions that compare one value with `low` and `high`. */
export const RANGE_CONDITIONS = ['outside_range', 'inside_range'] as const satisfies readonly AlertCondition[];

export const ALERT_SEVERITIES = ['info', 'warning', 'high', 'critical'] as const;
/** Alarm priority, lowest first (ISA-18.2 style; see the top of this file for why four). */
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Sorts severities: a higher rank is more urgent. */
export const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { info: 0, warning: 1, high: 2, critical: 3 };

export const RATE_PERIODS = ['second', 'minute'] as const;
/** The time unit of a `rate_of_change` threshold. */
export type RatePeriod = (typeof RATE_PERIODS)[number];

/** Everything a rule says, without its stored id: what is created, validated and seeded. */
export interface AlertRuleDefinition {
  /** The sensor type the rule watches (`temperature`). */
  sensorType: string;
  /** One unit only, or null for every unit that has the sensor type. */
  unitId: string | null;
  condition: AlertCondition;
  /** Comparisons: the limit. rate_of_change: the largest allowed |rate| per `ratePer`. no_data: seconds of silence. */
  threshold: number | null;
  /** Range conditions: the lower limit. */
  low: number | null;
  /** Range conditions: the upper limit. */
  high: number | null;
  /** rate_of_change: whether `threshold` is per second or per minute. */
  ratePer: RatePeriod | null;
  severity: AlertSeverity;
  /** Message template with `{value}`, `{threshold}`, `{unit_id}`, `{sensor_type}`. */
  message: string;
  /** Hysteresis to clear, in the sensor's units (rate units for rate_of_change); 0 for none. */
  deadband: number;
  /** Seconds the condition must hold continuously before the alarm is raised. */
  onDelaySeconds: number;
  /** Seconds the sensor must stay normal continuously before the alarm clears. */
  offDelaySeconds: number;
  enabled: boolean;
}

/** A stored rule. */
export interface AlertRule extends AlertRuleDefinition {
  id: string;
}

/** Longest on- or off-delay: an alarm held back longer than a day is no longer an alarm. */
export const MAX_DELAY_SECONDS = 86_400;
/** Longest no_data silence a rule may wait for (a week). */
export const MAX_NO_DATA_SECONDS = 604_800;
export const MAX_MESSAGE_LENGTH = 500;

/** Whether a rule watches this sensor. */
export function ruleApplies(
  rule: Pick<AlertRuleDefinition, 'sensorType' | 'unitId'>,
  unitId: string,
  sensorType: string,
): boolean {
  return rule.sensorType === sensorType && (rule.unitId === null || rule.unitId === unitId);
}

function isFiniteNumber(n: number | null): n is number {
  return n !== null && Number.isFinite(n);
}

/**
 * The problems that stop a rule from being saved, as sentences a user can act on; empty when the rule is valid.
 * Checks meaning, not shape: the REST DTO has already checked types.
 */
export function validateAlertRule(rule: AlertRuleDefinition): string[] {
  const problems: string[] = [];
  const { condition, threshold, low, high, deadband } = rule;

  if (!IDENTIFIER.test(rule.sensorType)) {
    problems.push('sensor_type must be 1 to 64 letters, digits, "_" or "-"');
  }
  if (rule.unitId !== null && !IDENTIFIER.test(rule.unitId)) {
    problems.push('unit_id must be 1 to 64 letters, digits, "_" or "-", or absent for every unit');
  }
  if (!(ALERT_CONDITIONS as readonly string[]).includes(condition)) {
    problems.push(`condition must be one of ${ALERT_CONDITIONS.join(', ')}`);
  }
  if (!(ALERT_SEVERITIES as readonly string[]).includes(rule.severity)) {
    problems.push(`severity must be one of ${ALERT_SEVERITIES.join(', ')}`);
  }

  if (!Number.isFinite(deadband) || deadband < 0) problems.push('deadband must be a number ≥ 0');
  for (const [name, seconds] of [
    ['on_delay', rule.onDelaySeconds],
    ['off_delay', rule.offDelaySeconds],
  ] as const) {
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_DELAY_SECONDS) {
      problems.push(`${name} must be between 0 and ${MAX_DELAY_SECONDS} seconds`);
    }
  }

  if ((COMPARISON_CONDITIONS as readonly string[]).includes(condition)) {
    if (!isFiniteNumber(threshold)) problems.push(`${condition} needs a numeric threshold`);
  } else if ((RANGE_CONDITIONS as readonly string[]).includes(condition)) {
    if (!isFiniteNumber(low) || !isFiniteNumber(high)) {
      problems.push(`${condition} needs numeric low and high thresholds`);
    } else if (low >= high) {
      problems.push(`${condition} needs low < high (got low ${low}, high ${high})`);
    } else if (condition === 'outside_range' && Number.isFinite(deadband) && 2 * deadband >= high - low) {
      // Clearing needs low + deadband ≤ value ≤ high − deadband: with a band this wide the alarm could never clear.
      problems.push(`outside_range needs deadband < (high − low) / 2, or the alarm could never clear`);
    }
  } else if (condition === 'rate_of_change') {
    if (!isFiniteNumber(threshold) || threshold <= 0) {
      problems.push('rate_of_change needs a threshold > 0 (the largest allowed change per second or minute)');
    } else if (Number.isFinite(deadband) && deadband >= threshold) {
      problems.push('rate_of_change needs deadband < threshold, or the alarm could never clear');
    }
    if (rule.ratePer === null || !(RATE_PERIODS as readonly string[]).includes(rule.ratePer)) {
      problems.push('rate_of_change needs rate_per: second or minute');
    }
  } else if (condition === 'no_data') {
    if (!isFiniteNumber(threshold) || threshold <= 0 || threshold > MAX_NO_DATA_SECONDS) {
      problems.push(`no_data needs a threshold between 0 and ${MAX_NO_DATA_SECONDS} seconds of silence`);
    }
  }

  if (rule.message.trim() === '') {
    problems.push('message must not be empty');
  } else if (rule.message.length > MAX_MESSAGE_LENGTH) {
    problems.push(`message must be at most ${MAX_MESSAGE_LENGTH} characters`);
  }
  const unknown = placeholdersIn(rule.message).filter(
    (name) => !(MESSAGE_PLACEHOLDERS as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    problems.push(
      `message uses unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `{${n}}`).join(', ')}; ` +
        `known: ${MESSAGE_PLACEHOLDERS.map((n) => `{${n}}`).join(', ')}`,
    );
  }
  return problems;
}

/**
 * Seeded on first start. Normal operation is temperature −10..40 °C, pressure 0.5..8 bar, flow 50..300 L/min,
 * power 30..120 kW, so each limit sits well outside normal and none fires on a healthy plant.
 */
export const DEFAULT_ALERT_RULES: readonly AlertRuleDefinition[] = [
  {
    // The seed's rule, verbatim. No on-delay: a single reading over 85 °C must raise (the end-to-end contract).
    // A 2 °C deadband stops a value hovering at 85 from chattering.
    sensorType: 'temperature',
    unitId: null,
    condition: 'greater_than',
    threshold: 85,
    low: null,
    high: null,
    ratePer: null,
    severity: 'critical',
    message: 'High temperature alert: {value}°C',
    deadband: 2,
    onDelaySeconds: 0,
    offDelaySeconds: 0,
    enabled: true,
  },
  {
    // 1 bar above the top of the normal band: over-pressure needs a response soon but is not yet the relief
    // valve's job. A 2 s on-delay ignores single-sample spikes (water hammer, a valve slamming).
    sensorType: 'pressure',
    unitId: null,
    condition: 'greater_than',
    threshold: 9,
    low: null,
    high: null,
    ratePer: null,
    severity: 'high',
    message: 'High pressure alert: {value} bar on {unit_id} (limit {threshold} bar)',
    deadband: 0.3,
    onDelaySeconds: 2,
    offDelaySeconds: 0,
    enabled: true,
  },
  {
    // Far below the normal minimum of 50 L/min: a blocked line or a stopped pump. A 10 s on-delay lets a
    // flow that dips during a pump change-over recover before anyone is called; low priority because the
    // temperature and pressure alarms cover the dangerous consequences.
    sensorType: 'flow_rate',
    unitId: null,
    condition: 'less_than',
    threshold: 20,
    low: null,
    high: null,
    ratePer: null,
    severity: 'warning',
    message: 'Low flow alert: {value} L/min on {unit_id} (limit {threshold} L/min)',
    deadband: 5,
    onDelaySeconds: 10,
    offDelaySeconds: 5,
    enabled: true,
  },
];
