/**
 * Decides, for one rule and one sensor, when the rule's condition goes into alarm and when it returns to
 * normal. Pure: no clock, no I/O; time comes from the reading or the tick. The caller keeps one
 * EvaluationState per (rule, sensor) and feeds it back in; the evaluator never mutates it.
 *
 * It only asks for transitions (raise, clear). What an alarm *is* afterwards (acknowledged, shelved, closed)
 * is alarm-lifecycle.ts's business, so 100 readings above a threshold give one raise request and nothing else.
 *
 * Deadband (hysteresis to clear). Raising uses the plain condition; once in alarm, the normal region shrinks
 * by the deadband, so a value hovering at the limit cannot chatter. With deadband d:
 *
 *   condition          raises when                 stays in alarm while (clears once this is false)
 *   greater_than       v > T                       v > T − d
 *   greater_or_equal   v ≥ T                       v ≥ T − d
 *   less_than          v < T                       v < T + d
 *   less_or_equal      v ≤ T                       v ≤ T + d
 *   equals             v = T                       |v − T| ≤ d
 *   not_equals         v ≠ T                       v ≠ T           (normal is one point: no band to shrink)
 *   outside_range      v < L or v > H              v < L + d or v > H − d
 *   inside_range       L ≤ v ≤ H                   L − d ≤ v ≤ H + d
 *   rate_of_change     |r| > T                     |r| > T − d     (r per second or per minute)
 *   bad_quality        quality BAD                 quality not GOOD (UNCERTAIN is its "deadband")
 *   no_data            silent ≥ T seconds          until any reading arrives
 *
 * With d = 0 "stays in alarm" is exactly the raise condition, so greater_than clears at v = T.
 *
 * Delays. When the condition first disagrees with the alarm state, a timer starts (`pendingSince`): the
 * on-delay before raising, the off-delay before clearing. The condition must keep disagreeing continuously;
 * one sample that agrees again resets the timer (a value flapping around the limit never raises with an
 * on-delay longer than its flaps). A tick completes a due timer on the last value held, because sensors that
 * report by exception may send 90 °C once and nothing after; the no_data rule is what watches for silence.
 *
 * Readings that say nothing: BAD quality or a non-finite value neither raise nor clear value conditions and
 * leave a running timer alone (bad_quality rules exist for them); they still count as data for no_data.
 * A reading not newer than the last one evaluated (a redelivery, an out-of-order sample) is ignored, so a
 * redelivered batch cannot raise twice or produce a negative rate.
 */
import type { ProcessedReading } from '../common/bus/event-map.js';
import type { AlertRuleDefinition } from './alert-rule.js';

/** The parts of a rule the evaluator reads. */
export type EvaluatedRule = Pick<
  AlertRuleDefinition,
  'condition' | 'threshold' | 'low' | 'high' | 'ratePer' | 'deadband' | 'onDelaySeconds' | 'offDelaySeconds' | 'enabled'
>;

/** Per (rule, sensor) memory between evaluations. */
export interface EvaluationState {
  /** In alarm: a raise was requested and no clear since. */
  alarmed: boolean;
  /** When the condition started to disagree with `alarmed` (an on- or off-delay is running), else null. */
  pendingSince: number | null;
  /** Time of the newest reading evaluated; readings at or before it are ignored. */
  lastReadingAt: number | null;
  /** no_data measures silence from here: the newest reading, or the baseline the state was created with. */
  lastDataAt: number | null;
  /** rate_of_change: the previous usable sample. */
  previousValue: number | null;
  previousValueAt: number | null;
  /** The last value compared (reading value, or rate): reported when a tick completes a delay. */
  lastObserved: number | null;
}

/** What to evaluate: a reading of the rule's sensor, or the passing of time (for no_data and due delays). */
export type EvaluationInput = { kind: 'reading'; reading: ProcessedReading } | { kind: 'tick'; now: number };

/** A request to the alarm lifecycle. */
export interface AlarmTransitionRequest {
  kind: 'raise' | 'clear';
  /** The reading's time, or the tick's. */
  at: number;
  /**
   * What to show with the transition: the reading's value for value and quality conditions, the rate for
   * rate_of_change, the seconds of silence for a no_data raise (the arriving reading's value for its clear).
   */
  value: number | null;
  /** The limit that applies: T, or for ranges the bound nearest the value; null for bad_quality. */
  threshold: number | null;
}

export interface EvaluationResult {
  state: EvaluationState;
  transition: AlarmTransitionRequest | null;
}

export interface InitialStateOptions {
  /**
   * Baseline for no_data, usually the time the engine started watching the sensor: a sensor that stays silent
   * from start-up raises after N seconds. Without it, no_data waits for a first reading.
   */
  since?: number;
  /** True when restoring an alarm that is still active, so a restart does not raise it again. */
  alarmed?: boolean;
}

export function initialEvaluationState(options: InitialStateOptions = {}): EvaluationState {
  return {
    alarmed: options.alarmed ?? false,
    pendingSince: null,
    lastReadingAt: null,
    lastDataAt: options.since ?? null,
    previousValue: null,
    previousValueAt: null,
    lastObserved: null,
  };
}

const NO_TRANSITION = null;

/**
 * A fresh copy of a state, for the caller to change before handing it out. Built field by field rather than with
 * `{ ...state, ... }`: the engine keeps thousands of states whose fields go from null to numbers, and object spread
 * over that many shapes goes megamorphic and falls back to the runtime, which made an evaluation several times
 * slower (bench/alarms.bench.ts). One literal keeps one shape.
 */
function copyState(state: EvaluationState): EvaluationState {
  return {
    alarmed: state.alarmed,
    pendingSince: state.pendingSince,
    lastReadingAt: state.lastReadingAt,
    lastDataAt: state.lastDataAt,
    previousValue: state.previousValue,
    previousValueAt: state.previousValueAt,
    lastObserved: state.lastObserved,
  };
}

function withAlarm(state: EvaluationState, alarmed: boolean, pendingSince: number | null): EvaluationState {
  const next = copyState(state);
  next.alarmed = alarmed;
  next.pendingSince = pendingSince;
  return next;
}

/** Evaluates one input for one rule and one sensor. The caller has checked that the rule applies to the sensor. */
export function evaluate(rule: EvaluatedRule, state: EvaluationState, input: EvaluationInput): EvaluationResult {
  if (!rule.enabled) {
    // A disabled rule closes its alarm through the lifecycle (disableAlarm), which is not a return to normal;
    // forgetting the alarm here means re-enabling starts from normal and raises again if still abnormal.
    const reset = state.alarmed || state.pendingSince !== null;
    return {
      state: reset ? withAlarm(state, false, null) : state,
      transition: NO_TRANSITION,
    };
  }
  return input.kind === 'reading' ? onReading(rule, state, input.reading) : onTick(rule, state, input.now);
}

function onReading(rule: EvaluatedRule, state: EvaluationState, reading: ProcessedReading): EvaluationResult {
  const t = reading.time;
  if (state.lastReadingAt !== null && t <= state.lastReadingAt) return { state, transition: NO_TRANSITION };
  const next = copyState(state);
  next.lastReadingAt = t;
  next.lastDataAt = state.lastDataAt === null ? t : Math.max(state.lastDataAt, t);
  const usable = reading.quality !== 'BAD' && Number.isFinite(reading.value);

  let observed: number | null = reading.value;
  let holds: boolean | null;
  switch (rule.condition) {
    case 'bad_quality':
      holds = reading.quality === 'BAD' ? true : reading.quality === 'GOOD' ? false : state.alarmed;
      break;
    case 'no_data':
      holds = false;
      break;
    case 'rate_of_change': {
      if (!usable) return { state: next, transition: NO_TRANSITION };
      const { previousValue, previousValueAt } = state;
      next.previousValue = reading.value;
      next.previousValueAt = t;
      if (previousValue === null || previousValueAt === null) return { state: next, transition: NO_TRANSITION };
      const perSecond = (reading.value - previousValue) / ((t - previousValueAt) / 1000);
      observed = rule.ratePer === 'minute' ? perSecond * 60 : perSecond;
      holds = exceedsRate(rule, observed, state.alarmed);
      break;
    }
    case 'greater_than':
    case 'less_than':
    case 'greater_or_equal':
    case 'less_or_equal':
    case 'equals':
    case 'not_equals':
    case 'outside_range':
    case 'inside_range':
      holds = usable ? valueHolds(rule, reading.value, state.alarmed) : null;
      break;
  }
  if (holds === null) return { state: next, transition: NO_TRANSITION };
  next.lastObserved = observed;
  return settle(rule, next, holds, t, t, observed);
}

function onTick(rule: EvaluatedRule, state: EvaluationState, now: number): EvaluationResult {
  if (rule.condition === 'no_data') {
    const seconds = rule.threshold;
    if (state.lastDataAt === null || seconds === null) return { state, transition: NO_TRANSITION };
    const silentMs = now - state.lastDataAt;
    const holds = silentMs >= seconds * 1000;
    // The condition became true at lastDataAt + T, not at this tick: the on-delay runs from there, so the
    // tick interval does not add to it.
    return settle(rule, state, holds, state.lastDataAt + seconds * 1000, now, silentMs / 1000);
  }
  if (state.pendingSince === null) return { state, transition: NO_TRANSITION };
  // Nothing new is known: the last sample still holds, so only a due delay can complete.
  return settle(rule, state, !state.alarmed, state.pendingSince, now, state.lastObserved);
}

/**
 * Applies the delays. `holds` is the condition now (deadband already applied), `since` when it became so,
 * `now` the time of this evaluation.
 */
function settle(
  rule: EvaluatedRule,
  state: EvaluationState,
  holds: boolean,
  since: number,
  now: number,
  value: number | null,
): EvaluationResult {
  if (holds === state.alarmed) {
    return {
      state: state.pendingSince === null ? state : withAlarm(state, state.alarmed, null),
      transition: NO_TRANSITION,
    };
  }
  const pendingSince = state.pendingSince ?? since;
  const delayMs = (state.alarmed ? rule.offDelaySeconds : rule.onDelaySeconds) * 1000;
  if (now - pendingSince < delayMs) {
    return {
      state: state.pendingSince === pendingSince ? state : withAlarm(state, state.alarmed, pendingSince),
      transition: NO_TRANSITION,
    };
  }
  return {
    state: withAlarm(state, holds, null),
    transition: { kind: holds ? 'raise' : 'clear', at: now, value, threshold: reportedThreshold(rule, value) },
  };
}

/**
 * The condition for a value, with the deadband once in alarm; null when the rule lacks its limits (a comparison
 * with null would make not_equals always true).
 */
function valueHolds(rule: EvaluatedRule, v: number, alarmed: boolean): boolean | null {
  const d = alarmed ? rule.deadband : 0;
  const { threshold: t, low, high } = rule;
  switch (rule.condition) {
    case 'greater_than':
      return t === null ? null : v > t - d;
    case 'greater_or_equal':
      return t === null ? null : v >= t - d;
    case 'less_than':
      return t === null ? null : v < t + d;
    case 'less_or_equal':
      return t === null ? null : v <= t + d;
    case 'equals':
      return t === null ? null : Math.abs(v - t) <= d;
    case 'not_equals':
      return t === null ? null : v !== t;
    case 'outside_range':
      return low === null || high === null ? null : v < low + d || v > high - d;
    case 'inside_range':
      return low === null || high === null ? null : v >= low - d && v <= high + d;
    case 'rate_of_change':
    case 'bad_quality':
    case 'no_data':
      return null;
  }
}

function exceedsRate(rule: EvaluatedRule, rate: number, alarmed: boolean): boolean | null {
  if (rule.threshold === null) return null;
  return Math.abs(rate) > rule.threshold - (alarmed ? rule.deadband : 0);
}

function reportedThreshold(rule: EvaluatedRule, value: number | null): number | null {
  switch (rule.condition) {
    case 'bad_quality':
      return null;
    case 'outside_range':
    case 'inside_range':
      if (rule.low === null || rule.high === null || value === null) return rule.low ?? rule.high;
      return Math.abs(value - rule.low) <= Math.abs(value - rule.high) ? rule.low : rule.high;
    case 'greater_than':
    case 'less_than':
    case 'greater_or_equal':
    case 'less_or_equal':
    case 'equals':
    case 'not_equals':
    case 'rate_of_change':
    case 'no_data':
      return rule.threshold;
  }
}
