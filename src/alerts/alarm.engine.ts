/**
 * The live alarm engine: every enabled rule, one point per (rule, sensor) with its evaluation state and latest
 * alarm, and the operator's actions on them. Pure like the evaluator and the lifecycle it joins: no Nest, no I/O,
 * no clock (time is a parameter, ids come from the injected generator), so specs drive it directly and the
 * service around it only loads, persists and broadcasts what it returns.
 *
 * Design:
 * - Rules are indexed by sensor type. A reading of a type no rule watches costs one failed map lookup; one that
 *   a rule watches costs the evaluation and nothing else unless a transition comes out (rare: 100 readings above
 *   a limit give one raise). Points hang off their rule entry, keyed by unit id, so the hot path builds no key
 *   strings.
 * - A point keeps its open alarm, or a closed one whose shelve still runs: shelving belongs to the point (see
 *   alarm-lifecycle.ts), so the next raise must find it. The shelve's expiry on the tick lets it go.
 * - no_data needs a point before any reading arrives (a sensor silent since start-up must raise too), so the
 *   caller `watch`es the sensors it knows; silence is measured from that moment.
 * - Restoring an active alarm restores the evaluation as already alarmed, so the first reading after a restart
 *   that is still abnormal raises nothing, and a normal one clears the restored alarm.
 * - Changing an enabled rule keeps its points and open alarms; the next reading is judged by the new settings
 *   (an alarm whose new limit it no longer breaks clears; severity and message change with the next raise).
 *   Running delays restart. A point the rule no longer covers (sensor type or unit changed), a disabled and a
 *   deleted rule close their alarms: nothing will evaluate them again.
 * - System alarms (system-alarms.ts) have their rules apart from the configured ones: no reading reaches them and
 *   rule changes never touch them; `systemCondition` raises and clears them, and they live like any other alarm.
 * - Every change is returned, never persisted or sent from here: the caller stores them in one batch and
 *   broadcasts them, in order.
 */
import type { ProcessedReading } from '../common/bus/event-map.js';
import {
  type EvaluationState,
  type AlarmTransitionRequest,
  evaluate,
  initialEvaluationState,
} from './alarm.evaluator.js';
import {
  type Alarm,
  type AlarmChange,
  type AlarmState,
  type LifecycleResult,
  acknowledgeAlarm,
  clearAlarm,
  disableAlarm,
  expireShelve,
  isActive,
  isClosed,
  isShelved,
  raiseAlarm,
  shelveAlarm,
  unshelveAlarm,
} from './alarm-lifecycle.js';
import { type AlertRule, ruleApplies } from './alert-rule.js';
import { renderAlarmMessage } from './message-template.js';

/** A sensor the engine may watch before it reports (for no_data). */
export interface SensorRef {
  unitId: string;
  sensorType: string;
}

/** One (rule, sensor): how the rule sees it, and its latest alarm. */
interface Point {
  readonly unitId: string;
  evaluation: EvaluationState;
  /** Open, or closed but still shelved; null otherwise. */
  alarm: Alarm | null;
}

interface RuleEntry {
  rule: AlertRule;
  /** By unit id (the sensor type is the rule's). */
  readonly points: Map<string, Point>;
}

/** Open alarms by state, and how many of them are shelved. */
export interface AlarmCounts {
  open: number;
  active_unacknowledged: number;
  active_acknowledged: number;
  cleared_unacknowledged: number;
  shelved: number;
}

/** An operator action's outcome: the change, a lifecycle refusal, or `unknown` when no open alarm has this id. */
export type OperatorResult = LifecycleResult | { ok: false; error: { code: 'unknown'; message: string } };

export class AlarmEngine {
  /** Enabled rules by id. */
  private readonly entries = new Map<string, RuleEntry>();
  /** The same entries by the sensor type they watch: the hot path's only lookup. */
  private readonly bySensorType = new Map<string, RuleEntry[]>();
  /** Every alarm a point holds, by alarm id: what operators act on. */
  private readonly alarms = new Map<string, { entry: RuleEntry; point: Point }>();
  /** System alarm rules by id, each with its one point (the rule's unit). */
  private readonly system = new Map<string, RuleEntry>();
  /** Transitions produced since start. */
  transitions = 0;
  /** Lifecycle refusals the engine did not expect (state and alarm out of step); each one is a bug to look at. */
  inconsistencies = 0;

  /**
   * @param stateName the state name of a digital or enum value, for {state} in messages (absent: the value shows).
   */
  constructor(
    private readonly newId: () => string,
    private readonly stateName?: (unitId: string, sensorType: string, value: number) => string | undefined,
  ) {}

  get enabledRuleCount(): number {
    return this.entries.size;
  }

  /** Whether an enabled rule with this id is loaded. */
  hasRule(ruleId: string): boolean {
    return this.entries.has(ruleId);
  }

  /**
   * Adds, changes, disables or (with `enabled: false`) drops a rule. Returns the alarms this closed. A rule
   * that is new, or newly covers sensors, needs `watch` for no_data.
   */
  putRule(rule: AlertRule, now: number, actor?: string): AlarmChange[] {
    const out: AlarmChange[] = [];
    const entry = this.entries.get(rule.id);
    if (!rule.enabled) {
      if (entry) this.dropEntry(entry, now, out, actor, 'rule disabled');
      return out;
    }
    if (!entry) {
      this.addEntry({ rule, points: new Map() });
      return out;
    }
    const previous = entry.rule;
    if (previous.sensorType !== rule.sensorType) {
      this.unindex(entry);
      entry.rule = rule;
      this.index(entry);
    } else {
      entry.rule = rule;
    }
    for (const [unitId, point] of entry.points) {
      if (!ruleApplies(rule, unitId, previous.sensorType)) {
        this.closePoint(entry, point, now, out, actor, "sensor no longer in the rule's scope");
        entry.points.delete(unitId);
      } else if (point.evaluation.pendingSince !== null) {
        point.evaluation = { ...point.evaluation, pendingSince: null };
      }
    }
    return out;
  }

  /** The rule was deleted: its alarms close. */
  removeRule(ruleId: string, now: number, actor?: string): AlarmChange[] {
    const out: AlarmChange[] = [];
    const entry = this.entries.get(ruleId);
    if (entry) this.dropEntry(entry, now, out, actor, 'rule deleted');
    return out;
  }

  /** Starts no_data watches on sensors that have not reported yet: silence counts from `now`. */
  watch(sensors: Iterable<SensorRef>, now: number): void {
    const noData = [...this.entries.values()].filter((e) => e.rule.condition === 'no_data');
    if (noData.length === 0) return;
    for (const sensor of sensors) {
      for (const entry of noData) {
        if (ruleApplies(entry.rule, sensor.unitId, sensor.sensorType) && !entry.points.has(sensor.unitId)) {
          entry.points.set(sensor.unitId, {
            unitId: sensor.unitId,
            evaluation: initialEvaluationState({ since: now }),
            alarm: null,
          });
        }
      }
    }
  }

  /**
   * Takes back alarms from storage after a restart: open ones, and closed ones whose shelve still runs. An alarm
   * whose rule is gone, disabled or no longer covers it is closed (returned as changes); the others resume, active
   * ones as already alarmed so they are not raised again.
   */
  restore(alarms: Iterable<Alarm>, now: number): AlarmChange[] {
    const out: AlarmChange[] = [];
    for (const alarm of alarms) {
      const entry = this.entries.get(alarm.ruleId);
      if (!entry || !ruleApplies(entry.rule, alarm.unitId, alarm.sensorType)) {
        const comment = entry ? "sensor no longer in the rule's scope" : 'rule disabled';
        this.record(
          isClosed(alarm) ? unshelveAlarm(alarm, { at: now, comment }) : disableAlarm(alarm, { at: now, comment }),
          out,
        );
        continue;
      }
      let point = entry.points.get(alarm.unitId);
      if (!point) {
        point = { unitId: alarm.unitId, evaluation: initialEvaluationState({ since: now }), alarm: null };
        entry.points.set(alarm.unitId, point);
      }
      // Only one open alarm per point can exist (the database enforces it); an open one beats a closed-shelved one.
      const current = point.alarm;
      if (current !== null && (!isClosed(current) || (isClosed(alarm) && current.raisedAt >= alarm.raisedAt))) continue;
      if (current !== null) this.alarms.delete(current.id);
      point.alarm = alarm;
      point.evaluation = initialEvaluationState({ since: now, alarmed: isActive(alarm) });
      this.alarms.set(alarm.id, { entry, point });
    }
    return out;
  }

  /** Evaluates a batch of processed readings; transitions are appended to `out`. */
  onReadings(readings: readonly ProcessedReading[], out: AlarmChange[]): void {
    for (const reading of readings) {
      const entries = this.bySensorType.get(reading.sensorType);
      if (entries === undefined) continue;
      for (const entry of entries) {
        const { rule } = entry;
        if (rule.unitId !== null && rule.unitId !== reading.unitId) continue;
        let point = entry.points.get(reading.unitId);
        if (point === undefined) {
          point = { unitId: reading.unitId, evaluation: initialEvaluationState(), alarm: null };
          entry.points.set(reading.unitId, point);
        }
        const result = evaluate(rule, point.evaluation, { kind: 'reading', reading });
        point.evaluation = result.state;
        if (result.transition !== null) this.transition(entry, point, result.transition, out);
      }
    }
  }

  /** The passing of time: no_data, delays that completed on the last value held, shelves that ran out. */
  tick(now: number, out: AlarmChange[]): void {
    for (const entry of this.entries.values()) {
      for (const point of entry.points.values()) {
        const result = evaluate(entry.rule, point.evaluation, { kind: 'tick', now });
        point.evaluation = result.state;
        if (result.transition !== null) this.transition(entry, point, result.transition, out);
        this.expireShelve(entry, point, now, out);
      }
    }
    for (const entry of this.system.values()) {
      for (const point of entry.points.values()) this.expireShelve(entry, point, now, out);
    }
  }

  /**
   * A system condition (system-alarms.ts) became true or false: raises the alarm of the rule's one point, or
   * clears it. Saying what is already so changes nothing, so the caller may report every change it sees.
   */
  systemCondition(rule: AlertRule, active: boolean, input: { at: number; value: number | null }, out: AlarmChange[]) {
    const unitId = rule.unitId ?? '';
    let entry = this.system.get(rule.id);
    if (entry === undefined) {
      entry = { rule, points: new Map() };
      this.system.set(rule.id, entry);
    }
    let point = entry.points.get(unitId);
    if (point === undefined) {
      point = { unitId, evaluation: initialEvaluationState(), alarm: null };
      entry.points.set(unitId, point);
    }
    if (active === (point.alarm !== null && isActive(point.alarm))) return;
    const request: AlarmTransitionRequest = { kind: active ? 'raise' : 'clear', ...input, threshold: rule.threshold };
    this.transition(entry, point, request, out);
  }

  private expireShelve(entry: RuleEntry, point: Point, now: number, out: AlarmChange[]): void {
    if (point.alarm === null || point.alarm.shelvedUntil === null) return;
    const expired = expireShelve(point.alarm, now);
    if (expired) this.commit(entry, point, expired, out);
  }

  acknowledge(alarmId: string, input: { at: number; actor: string; comment?: string }): OperatorResult {
    return this.operate(alarmId, (alarm) => acknowledgeAlarm(alarm, input));
  }

  shelve(alarmId: string, input: { at: number; until: number; actor: string; reason: string }): OperatorResult {
    return this.operate(alarmId, (alarm) => shelveAlarm(alarm, input));
  }

  unshelve(alarmId: string, input: { at: number; actor: string; comment?: string }): OperatorResult {
    return this.operate(alarmId, (alarm) => unshelveAlarm(alarm, input));
  }

  /** An alarm the engine holds: open, or closed and still shelved. */
  find(alarmId: string): Alarm | undefined {
    return this.alarms.get(alarmId)?.point.alarm ?? undefined;
  }

  /** Open alarms (not closed), in no particular order. */
  openAlarms(): Alarm[] {
    const open: Alarm[] = [];
    for (const { point } of this.alarms.values()) {
      if (point.alarm !== null && !isClosed(point.alarm)) open.push(point.alarm);
    }
    return open;
  }

  counts(now: number): AlarmCounts {
    const counts: AlarmCounts = {
      open: 0,
      active_unacknowledged: 0,
      active_acknowledged: 0,
      cleared_unacknowledged: 0,
      shelved: 0,
    };
    for (const alarm of this.openAlarms()) {
      counts.open++;
      counts[alarm.state as Exclude<AlarmState, 'cleared'>]++;
      if (isShelved(alarm, now)) counts.shelved++;
    }
    return counts;
  }

  private operate(alarmId: string, action: (alarm: Alarm) => LifecycleResult): OperatorResult {
    const held = this.alarms.get(alarmId);
    if (held === undefined || held.point.alarm === null) {
      return { ok: false, error: { code: 'unknown', message: `Alarm ${alarmId} is not open` } };
    }
    const result = action(held.point.alarm);
    if (result.ok) this.commit(held.entry, held.point, result, []);
    return result;
  }

  private transition(entry: RuleEntry, point: Point, request: AlarmTransitionRequest, out: AlarmChange[]): void {
    const { rule } = entry;
    let result: LifecycleResult;
    if (request.kind === 'raise') {
      result = raiseAlarm(point.alarm, {
        id: this.newId(),
        ruleId: rule.id,
        unitId: point.unitId,
        sensorType: rule.sensorType,
        severity: rule.severity,
        message: renderAlarmMessage(rule, {
          unitId: point.unitId,
          sensorType: rule.sensorType,
          value: request.value,
          state: this.stateOf(rule, point.unitId, request.value),
        }),
        value: request.value,
        threshold: request.threshold,
        at: request.at,
      });
    } else {
      // A restored alarm that is cleared_unacknowledged is not alarmed, so only an active alarm can be asked to clear.
      if (point.alarm === null || !isActive(point.alarm)) return;
      result = clearAlarm(point.alarm, { at: request.at, value: request.value });
    }
    if (result.ok) this.commit(entry, point, result, out);
    else this.inconsistencies++;
  }

  /** The state name of a reported value; only value conditions report a reading's value (not a rate or seconds). */
  private stateOf(rule: AlertRule, unitId: string, value: number | null): string | undefined {
    if (this.stateName === undefined || value === null) return undefined;
    if (rule.condition === 'rate_of_change' || rule.condition === 'no_data') return undefined;
    return this.stateName(unitId, rule.sensorType, value);
  }

  /** Makes a change the point's current alarm and reports it. */
  private commit(entry: RuleEntry, point: Point, change: AlarmChange, out: AlarmChange[]): void {
    const { alarm } = change;
    if (point.alarm !== null && point.alarm.id !== alarm.id) this.alarms.delete(point.alarm.id);
    if (isClosed(alarm) && alarm.shelvedUntil === null) {
      point.alarm = null;
      this.alarms.delete(alarm.id);
    } else {
      point.alarm = alarm;
      this.alarms.set(alarm.id, { entry, point });
    }
    this.transitions++;
    out.push(change);
  }

  /** Records a change to an alarm no point holds (restore of an orphan). */
  private record(result: LifecycleResult, out: AlarmChange[]): void {
    if (!result.ok) return;
    this.transitions++;
    out.push({ alarm: result.alarm, transition: result.transition });
  }

  private closePoint(
    entry: RuleEntry,
    point: Point,
    now: number,
    out: AlarmChange[],
    actor: string | undefined,
    comment: string,
  ): void {
    const alarm = point.alarm;
    if (alarm === null) return;
    const result = isClosed(alarm)
      ? unshelveAlarm(alarm, { at: now, actor, comment })
      : disableAlarm(alarm, { at: now, actor, comment });
    if (result.ok) this.commit(entry, point, result, out);
    else this.inconsistencies++;
  }

  private dropEntry(entry: RuleEntry, now: number, out: AlarmChange[], actor: string | undefined, comment: string) {
    for (const point of entry.points.values()) this.closePoint(entry, point, now, out, actor, comment);
    this.unindex(entry);
    this.entries.delete(entry.rule.id);
  }

  private addEntry(entry: RuleEntry): void {
    this.entries.set(entry.rule.id, entry);
    this.index(entry);
  }

  private index(entry: RuleEntry): void {
    const list = this.bySensorType.get(entry.rule.sensorType);
    if (list) list.push(entry);
    else this.bySensorType.set(entry.rule.sensorType, [entry]);
  }

  private unindex(entry: RuleEntry): void {
    const list = this.bySensorType.get(entry.rule.sensorType)?.filter((e) => e !== entry) ?? [];
    if (list.length > 0) this.bySensorType.set(entry.rule.sensorType, list);
    else this.bySensorType.delete(entry.rule.sensorType);
  }
}
