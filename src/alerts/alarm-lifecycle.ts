/**
 * The ISA-18.2 lifecycle of one alarm: one alarm per (rule, sensor) at a time, never one per reading.
 *
 *   (normal) ──raise──► active_unacknowledged ──acknowledge──► active_acknowledged
 *                          │        ▲                               │
 *                        clear    raise (re-alarm)                clear
 *                          ▼        │                               ▼
 *                       cleared_unacknowledged ──acknowledge──► cleared (closed)
 *
 *   disable (rule disabled or deleted): any open state ──► cleared
 *
 * An alarm is open until it is both back to normal and acknowledged (ISA-18.2: an operator must have seen
 * every alarm, even one that went away by itself). A re-alarm while cleared_unacknowledged reactivates the
 * same alarm (ISA-18.2's RTN-unacknowledged → unacknowledged) and counts it in `raiseCount`, so a chattering
 * point shows as one alarm with a count rather than a flood. After `cleared`, the next raise opens a new alarm.
 *
 * Shelving is orthogonal to the four states: a shelved alarm keeps moving through them and is recorded, but it
 * does not annunciate (no banner, no sound) until `shelvedUntil`, when `expireShelve` un-shelves it. Shelving
 * belongs to the (rule, sensor) point, not to one occurrence: the main use is a chattering alarm, so a raise
 * that follows a closed but still-shelved alarm opens the new alarm shelved for the rest of the period (the
 * caller keeps the closed alarm until its shelve expires). Disabling the rule ends the shelve with the alarm.
 *
 * Every operation is pure: it returns the new alarm and the transition to store and broadcast, or a typed
 * error that the REST layer turns into a 409 with the message. Time and ids are parameters.
 */
import type { AlertSeverity } from './alert-rule.js';

export const ALARM_STATES = [
  'active_unacknowledged',
  'active_acknowledged',
  'cleared_unacknowledged',
  'cleared',
] as const;
/** Where an alarm is in its lifecycle; `cleared` is closed. */
export type AlarmState = (typeof ALARM_STATES)[number];

/** One alarm of one rule on one sensor. Times are epoch milliseconds. */
export interface Alarm {
  id: string;
  ruleId: string;
  unitId: string;
  sensorType: string;
  /** The rule's severity when the alarm was (last) raised. */
  severity: AlertSeverity;
  state: AlarmState;
  /** Rendered when the alarm was (last) raised. */
  message: string;
  /** The value reported with the latest raise or clear. */
  value: number | null;
  threshold: number | null;
  /** First raise of this alarm; a re-alarm while cleared_unacknowledged keeps it and counts in raiseCount. */
  raisedAt: number;
  raiseCount: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  acknowledgeComment: string | null;
  /** When the condition returned to normal (or the rule was disabled); null while active. */
  clearedAt: number | null;
  /** When the alarm reached `cleared`. */
  closedAt: number | null;
  /** Shelved until this time (exclusive); null when not shelved. */
  shelvedUntil: number | null;
  shelvedBy: string | null;
  shelveReason: string | null;
}

export const ALARM_ACTIONS = ['raise', 'clear', 'acknowledge', 'shelve', 'unshelve', 'disable'] as const;
/** What a transition did. */
export type AlarmAction = (typeof ALARM_ACTIONS)[number];

/** One stored step of an alarm's history. Shelving keeps the state, so `action` says what happened. */
export interface AlarmTransition {
  alarmId: string;
  action: AlarmAction;
  /** null when the raise opened the alarm. */
  from: AlarmState | null;
  to: AlarmState;
  at: number;
  /** Who did it; absent when the engine did (raise, clear, shelve expiry). */
  actor?: string;
  /** The operator's comment, or the shelving reason. */
  comment?: string;
  /** shelve, and a raise that opened the alarm shelved: until when. */
  shelvedUntil?: number;
}

export type AlarmErrorCode =
  | 'already_active'
  | 'not_active'
  | 'already_acknowledged'
  | 'alarm_closed'
  | 'not_shelved'
  | 'invalid_shelve_period'
  | 'actor_required'
  | 'reason_required'
  | 'wrong_alarm';

export interface AlarmLifecycleError {
  code: AlarmErrorCode;
  /** A sentence for the operator. */
  message: string;
}

export interface AlarmChange {
  alarm: Alarm;
  transition: AlarmTransition;
}

export type LifecycleResult = ({ ok: true } & AlarmChange) | { ok: false; error: AlarmLifecycleError };

/** The (rule, sensor) an alarm belongs to; unit ids and sensor types cannot contain `|`. */
export function alarmKey(ruleId: string, unitId: string, sensorType: string): string {
  return `${ruleId}|${unitId}|${sensorType}`;
}

export function isActive(alarm: Alarm): boolean {
  return alarm.state === 'active_unacknowledged' || alarm.state === 'active_acknowledged';
}

export function isClosed(alarm: Alarm): boolean {
  return alarm.state === 'cleared';
}

export function isShelved(alarm: Alarm, now: number): boolean {
  return alarm.shelvedUntil !== null && now < alarm.shelvedUntil;
}

/** Whether operators should be told about it now: open, and not shelved. */
export function annunciates(alarm: Alarm, now: number): boolean {
  return !isClosed(alarm) && !isShelved(alarm, now);
}

function fail(code: AlarmErrorCode, message: string): LifecycleResult {
  return { ok: false, error: { code, message } };
}

function change(alarm: Alarm, transition: AlarmTransition): LifecycleResult {
  return { ok: true, alarm, transition };
}

function blank(text: string | undefined): boolean {
  return text === undefined || text.trim() === '';
}

export interface RaiseInput {
  /** The id for a new alarm; unused when a cleared_unacknowledged alarm is reactivated. */
  id: string;
  ruleId: string;
  unitId: string;
  sensorType: string;
  severity: AlertSeverity;
  message: string;
  value: number | null;
  threshold: number | null;
  at: number;
}

/**
 * Raises the alarm of a (rule, sensor). `current` is its latest alarm, if any: none or closed opens a new one,
 * cleared_unacknowledged reactivates it, an active one is an error (the evaluator never asks twice).
 */
export function raiseAlarm(current: Alarm | null, input: RaiseInput): LifecycleResult {
  if (current !== null && alarmKey(current.ruleId, current.unitId, current.sensorType) !== keyOf(input)) {
    return fail('wrong_alarm', `Alarm ${current.id} belongs to another rule or sensor`);
  }
  if (current !== null && isActive(current)) {
    return fail('already_active', `Alarm ${current.id} is already active`);
  }
  const reading = { value: input.value, threshold: input.threshold, severity: input.severity, message: input.message };
  if (current !== null && current.state === 'cleared_unacknowledged') {
    const alarm: Alarm = {
      ...current,
      ...reading,
      state: 'active_unacknowledged',
      raiseCount: current.raiseCount + 1,
      clearedAt: null,
    };
    return change(alarm, { alarmId: alarm.id, action: 'raise', from: current.state, to: alarm.state, at: input.at });
  }
  const inherited = current !== null && isShelved(current, input.at) ? current : null;
  const alarm: Alarm = {
    id: input.id,
    ruleId: input.ruleId,
    unitId: input.unitId,
    sensorType: input.sensorType,
    ...reading,
    state: 'active_unacknowledged',
    raisedAt: input.at,
    raiseCount: 1,
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgeComment: null,
    clearedAt: null,
    closedAt: null,
    shelvedUntil: inherited?.shelvedUntil ?? null,
    shelvedBy: inherited?.shelvedBy ?? null,
    shelveReason: inherited?.shelveReason ?? null,
  };
  const transition: AlarmTransition = { alarmId: alarm.id, action: 'raise', from: null, to: alarm.state, at: input.at };
  if (alarm.shelvedUntil !== null) {
    transition.shelvedUntil = alarm.shelvedUntil;
    transition.comment = 'raised while its point is shelved';
  }
  return change(alarm, transition);
}

function keyOf(input: Pick<RaiseInput, 'ruleId' | 'unitId' | 'sensorType'>): string {
  return alarmKey(input.ruleId, input.unitId, input.sensorType);
}

/** The condition returned to normal. An acknowledged alarm closes; an unacknowledged one waits for its acknowledgement. */
export function clearAlarm(alarm: Alarm, input: { at: number; value?: number | null }): LifecycleResult {
  if (!isActive(alarm)) return fail('not_active', `Alarm ${alarm.id} is not active`);
  const to: AlarmState = alarm.state === 'active_acknowledged' ? 'cleared' : 'cleared_unacknowledged';
  const next: Alarm = {
    ...alarm,
    state: to,
    value: input.value === undefined ? alarm.value : input.value,
    clearedAt: input.at,
    closedAt: to === 'cleared' ? input.at : null,
  };
  return change(next, { alarmId: alarm.id, action: 'clear', from: alarm.state, to, at: input.at });
}

/** An operator has seen the alarm. A cleared_unacknowledged alarm closes. */
export function acknowledgeAlarm(
  alarm: Alarm,
  input: { at: number; actor: string; comment?: string },
): LifecycleResult {
  if (blank(input.actor)) return fail('actor_required', 'Acknowledging needs the name of who acknowledges');
  switch (alarm.state) {
    case 'active_acknowledged':
      return fail('already_acknowledged', `Alarm ${alarm.id} is already acknowledged`);
    case 'cleared':
      return fail('alarm_closed', `Alarm ${alarm.id} is closed`);
    case 'active_unacknowledged':
    case 'cleared_unacknowledged':
      break;
  }
  const to: AlarmState = alarm.state === 'active_unacknowledged' ? 'active_acknowledged' : 'cleared';
  const comment = blank(input.comment) ? undefined : input.comment;
  const next: Alarm = {
    ...alarm,
    state: to,
    acknowledgedAt: input.at,
    acknowledgedBy: input.actor,
    acknowledgeComment: comment ?? null,
    closedAt: to === 'cleared' ? input.at : null,
  };
  const transition: AlarmTransition = { alarmId: alarm.id, action: 'acknowledge', from: alarm.state, to, at: input.at };
  transition.actor = input.actor;
  if (comment !== undefined) transition.comment = comment;
  return change(next, transition);
}

/**
 * Stops the alarm annunciating until `until`, keeping it tracked. Shelving again replaces the period.
 * ISA-18.2 wants shelving authorised, time-limited and explained, hence actor, reason and a future end.
 */
export function shelveAlarm(
  alarm: Alarm,
  input: { at: number; until: number; actor: string; reason: string },
): LifecycleResult {
  if (isClosed(alarm)) return fail('alarm_closed', `Alarm ${alarm.id} is closed`);
  if (blank(input.actor)) return fail('actor_required', 'Shelving needs the name of who shelves');
  if (blank(input.reason)) return fail('reason_required', 'Shelving needs a reason');
  if (!Number.isFinite(input.until) || input.until <= input.at) {
    return fail('invalid_shelve_period', 'A shelve must end in the future');
  }
  const next: Alarm = { ...alarm, shelvedUntil: input.until, shelvedBy: input.actor, shelveReason: input.reason };
  return change(next, {
    alarmId: alarm.id,
    action: 'shelve',
    from: alarm.state,
    to: alarm.state,
    at: input.at,
    actor: input.actor,
    comment: input.reason,
    shelvedUntil: input.until,
  });
}

/** Ends a shelve before its time (an operator) or at its time (expireShelve, no actor). */
export function unshelveAlarm(alarm: Alarm, input: { at: number; actor?: string; comment?: string }): LifecycleResult {
  if (alarm.shelvedUntil === null) return fail('not_shelved', `Alarm ${alarm.id} is not shelved`);
  const next: Alarm = { ...alarm, shelvedUntil: null, shelvedBy: null, shelveReason: null };
  const transition: AlarmTransition = {
    alarmId: alarm.id,
    action: 'unshelve',
    from: alarm.state,
    to: alarm.state,
    at: input.at,
  };
  if (!blank(input.actor)) transition.actor = input.actor;
  if (!blank(input.comment)) transition.comment = input.comment;
  return change(next, transition);
}

/**
 * Un-shelves an alarm whose shelve has run out by `now`; null when there is nothing to do. The caller runs it
 * on its timer. The transition is dated at the shelve's end, not at the tick that noticed it.
 */
export function expireShelve(alarm: Alarm, now: number): AlarmChange | null {
  if (alarm.shelvedUntil === null || now < alarm.shelvedUntil) return null;
  const result = unshelveAlarm(alarm, { at: alarm.shelvedUntil, comment: 'shelve expired' });
  return result.ok ? { alarm: result.alarm, transition: result.transition } : null;
}

/**
 * The rule was disabled or deleted: the alarm closes at once, acknowledged or not, because nothing will ever
 * evaluate it again. `clearedAt` keeps an earlier return to normal, if there was one.
 */
export function disableAlarm(alarm: Alarm, input: { at: number; actor?: string; comment?: string }): LifecycleResult {
  if (isClosed(alarm)) return fail('alarm_closed', `Alarm ${alarm.id} is closed`);
  const next: Alarm = {
    ...alarm,
    state: 'cleared',
    clearedAt: alarm.clearedAt ?? input.at,
    closedAt: input.at,
    shelvedUntil: null,
    shelvedBy: null,
    shelveReason: null,
  };
  const transition: AlarmTransition = {
    alarmId: alarm.id,
    action: 'disable',
    from: alarm.state,
    to: 'cleared',
    at: input.at,
    comment: blank(input.comment) ? 'rule disabled' : input.comment,
  };
  if (!blank(input.actor)) transition.actor = input.actor;
  return change(next, transition);
}
