import { AuditTrail } from '../common/audit/audit-trail.js';
import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  Injectable,
  InternalServerErrorException,
  Logger,
  NotFoundException,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import type { ProcessedReading } from '../common/bus/event-map.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import { type AlarmCounts, AlarmEngine, type OperatorResult } from './alarm.engine.js';
import type { Alarm, AlarmChange, AlarmState } from './alarm-lifecycle.js';
import {
  type AlarmEvent,
  type AlarmHistoryFilter,
  type AlarmHistoryItem,
  AlarmRepository,
} from './alarm.repository.js';
import { AlarmWriter } from './alarm.writer.js';
import { type AlertRuleDefinition, type AlertSeverity, SEVERITY_RANK, validateAlertRule } from './alert-rule.js';
import { AlertRuleRepository, type StoredAlertRule } from './alert-rule.repository.js';
import { toSystemAlert } from './system-alert.js';
import type { StateChoice } from './dto/alert-rule.dto.js';
import { stateThreshold } from './state-condition.js';
import { SensorSettingsCache } from '../processor/sensor-settings.cache.js';
import { AuditLog } from '../common/audit/audit-log.service.js';
import { AUDIT_WRITE_RULE, isSystemAlarm } from './system-alarms.js';
import { assertUnitInScope, mayAccessUnit, type Principal } from '../common/auth/principal.js';

/**
 * How often time is checked: no_data silences, delays completed on the last value held, shelves that ran out.
 * A no_data alarm is therefore up to this late; a second is well inside what operators notice.
 */
export const ALARM_TICK_MS = 1000;
/** The alarm tick's name in the SchedulerRegistry (no-data checks, delays, shelve expiry). */
const ALARM_TICK_JOB = 'alarm-tick';

/** Filters of the open-alarm list. */
export interface OpenAlarmFilter {
  unitId?: string;
  severity?: AlertSeverity;
  state?: AlarmState;
}

/** Lifecycle refusals that are the request's fault (400); the others are about the alarm's state (409). */
const BAD_REQUEST_CODES = new Set(['actor_required', 'reason_required', 'invalid_shelve_period']);

/**
 * The alarm engine at work: loads the rules and the open alarms, evaluates every processed batch and the passing
 * of time, carries out operator actions and rule changes, and hands every transition to the writer (stored in
 * batches) and to the bus (`alarm.transitioned`, broadcast by the gateway). Live before durable, as for readings:
 * a transition is announced at once; an operator action answers once it is stored. System alarms (system-alarms.ts)
 * come from other signals instead of readings (the audit log's health listener: its writes fail) and are held in
 * memory only.
 */
@Injectable()
export class AlertsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AlertsService.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  private readonly engine: AlarmEngine;
  private unsubscribe: (() => void)[] = [];
  /** Rule changes one at a time, so the database and the engine apply them in the same order. */
  private ruleChanges: Promise<unknown> = Promise.resolve();
  /** Ticks that threw (each logged). */
  tickErrors = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly rules: AlertRuleRepository,
    private readonly alarms: AlarmRepository,
    private readonly writer: AlarmWriter,
    private readonly jobs: PeriodicJobs,
    private readonly audit: AuditLog,
    private readonly settings: SensorSettingsCache,
  ) {
    // {state} in messages: the state name of a digital or enum value, looked up when an alarm is raised (rarely).
    this.engine = new AlarmEngine(
      () => randomUUID(),
      (unitId, sensorType, value) => settings.stateName(unitId, sensorType, value),
    );
  }

  /** Runs before MQTT connects (onApplicationBootstrap), so no reading arrives before the rules are loaded. */
  async onModuleInit(): Promise<void> {
    const now = Date.now();
    const rules = await this.rules.list();
    for (const rule of rules) this.engine.putRule(rule, now);
    const closed = this.engine.restore(await this.alarms.restorable(now), now);
    await this.watchSilence(
      rules.filter((r) => r.enabled && r.condition === 'no_data'),
      now,
    );
    void this.publish(closed);
    this.logger.log(
      `Alarm engine: ${this.engine.enabledRuleCount} enabled rules, ${this.engine.openAlarms().length} open alarms restored`,
    );
    this.unsubscribe = [
      this.bus.on('readings.processed', AlertsService.name, (batch) => this.evaluate(batch.readings)),
      this.audit.onHealthChanged(({ failing, at, failures }) => {
        const changes: AlarmChange[] = [];
        this.engine.systemCondition(AUDIT_WRITE_RULE, failing, { at, value: failures }, changes);
        void this.publish(changes);
      }),
    ];
    this.jobs.every(ALARM_TICK_JOB, ALARM_TICK_MS, () => this.tick());
  }

  onModuleDestroy(): void {
    this.jobs.stop(ALARM_TICK_JOB);
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  /** The hot path: one engine pass over the batch; the writer and the bus see only transitions. */
  evaluate(readings: readonly ProcessedReading[]): void {
    const changes: AlarmChange[] = [];
    this.engine.onReadings(readings, changes);
    // Not awaited: readings never wait for alarms to be stored (the writer retries until they are).
    if (changes.length > 0) void this.publish(changes);
  }

  private tick(): void {
    try {
      const changes: AlarmChange[] = [];
      this.engine.tick(Date.now(), changes);
      if (changes.length > 0) void this.publish(changes);
    } catch (err) {
      this.tickErrors++;
      this.errorLog.error('tick', `Alarm tick failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Announces transitions now and queues them for storage (system alarms are not stored); resolves false if the
   * database refused them.
   */
  private publish(changes: AlarmChange[]): Promise<boolean> {
    if (changes.length === 0) return Promise.resolve(true);
    const stored = this.writer.write(changes.filter((change) => !isSystemAlarm(change.alarm)));
    for (const change of changes) this.bus.emit('alarm.transitioned', toSystemAlert(change));
    return stored;
  }

  // ---- operator actions -------------------------------------------------------------------------------------

  async acknowledge(id: string, by: Principal, comment?: string): Promise<Alarm> {
    await this.checkAlarmScope(id, by);
    return this.finish(id, this.engine.acknowledge(id, { at: Date.now(), actor: by.name, comment }));
  }

  async shelve(id: string, by: Principal, minutes: number, reason: string): Promise<Alarm> {
    await this.checkAlarmScope(id, by);
    const at = Date.now();
    return this.finish(id, this.engine.shelve(id, { at, until: at + minutes * 60_000, actor: by.name, reason }));
  }

  async unshelve(id: string, by: Principal, comment?: string): Promise<Alarm> {
    await this.checkAlarmScope(id, by);
    return this.finish(id, this.engine.unshelve(id, { at: Date.now(), actor: by.name, comment }));
  }

  /** 403 when the alarm (open, or stored) belongs to a unit outside the caller's scope; unknown ids go on to 404. */
  private async checkAlarmScope(id: string, by: Principal): Promise<void> {
    if (by.units === undefined) return;
    const alarm = this.engine.find(id) ?? (await this.alarms.find(id));
    if (alarm) assertUnitInScope(by, alarm.unitId, `Alarm ${id}`);
  }

  /** Turns an engine answer into the alarm (once stored) or the HTTP error that explains the refusal. */
  private async finish(id: string, result: OperatorResult): Promise<Alarm> {
    if (result.ok) {
      const { transition: t, alarm } = result;
      AuditTrail.change(
        { alarm_id: id, unit_id: alarm.unitId, sensor_type: alarm.sensorType, state: t.from },
        { state: t.to, action: t.action, comment: t.comment, shelved_until: t.shelvedUntil },
      );
    }
    if (!result.ok) {
      const { code, message } = result.error;
      if (code === 'unknown') {
        const stored = await this.alarms.find(id);
        if (stored === null) throw new NotFoundException(`Unknown alarm '${id}'`);
        throw new ConflictException(
          stored.state === 'cleared'
            ? `Alarm ${id} is closed`
            : `Alarm ${id} is no longer evaluated: its rule was disabled or deleted`,
        );
      }
      throw BAD_REQUEST_CODES.has(code) ? new BadRequestException(message) : new ConflictException(message);
    }
    if (!(await this.publish([result]))) {
      throw new InternalServerErrorException(`Alarm ${id} changed but the database refused to store it`);
    }
    return result.alarm;
  }

  // ---- reads ------------------------------------------------------------------------------------------------

  /** Open alarms (not yet back to normal and acknowledged), most urgent first, then newest first. */
  openAlarms(filter: OpenAlarmFilter = {}): Alarm[] {
    return this.engine
      .openAlarms()
      .filter(
        (a) =>
          (filter.unitId === undefined || a.unitId === filter.unitId) &&
          (filter.severity === undefined || a.severity === filter.severity) &&
          (filter.state === undefined || a.state === filter.state),
      )
      .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.raisedAt - a.raisedAt);
  }

  /** One alarm and its stored transitions; the engine's copy is newer when the alarm is open. */
  async alarm(id: string, by: Principal): Promise<{ alarm: Alarm; events: AlarmEvent[] }> {
    const alarm = this.engine.find(id) ?? (await this.alarms.find(id));
    if (!alarm) throw new NotFoundException(`Unknown alarm '${id}'`);
    assertUnitInScope(by, alarm.unitId, `Alarm ${id}`);
    return { alarm, events: await this.alarms.eventsOf(id) };
  }

  history(filter: AlarmHistoryFilter): Promise<{ items: AlarmHistoryItem[]; total: number }> {
    return this.alarms.history(filter);
  }

  // ---- rules ------------------------------------------------------------------------------------------------

  /** The rules the caller's scope covers: a unit-scoped caller sees its units' rules, not plant-wide ones. */
  async listRules(by: Principal): Promise<StoredAlertRule[]> {
    return (await this.rules.list()).filter((rule) => mayAccessUnit(by, rule.unitId));
  }

  async rule(id: string, by: Principal): Promise<StoredAlertRule> {
    const rule = await this.rules.find(id);
    if (!rule) throw new NotFoundException(`Unknown alert rule '${id}'`);
    assertUnitInScope(by, rule.unitId, `Alert rule ${id}`);
    return rule;
  }

  createRule(definition: AlertRuleDefinition, by: Principal, state?: StateChoice): Promise<StoredAlertRule> {
    const actor = by.name;
    return this.changeRule(async () => {
      assertUnitInScope(by, definition.unitId, 'The new rule');
      definition = this.check(definition, state);
      const rule = await this.rules.create(definition);
      AuditTrail.change(null, rule);
      await this.apply(rule, actor);
      return rule;
    });
  }

  /**
   * Changes a rule: `change` gets the stored definition and returns the new one (PUT replaces it, PATCH merges
   * into it). Takes effect at once: a disabled rule closes its alarms, a changed one judges the next reading.
   */
  updateRule(
    id: string,
    change: (current: AlertRuleDefinition) => AlertRuleDefinition,
    by: Principal,
    state?: StateChoice,
  ): Promise<StoredAlertRule> {
    const actor = by.name;
    return this.changeRule(async () => {
      const current = await this.rule(id, by);
      let definition = change(current);
      // Moving a rule to another unit, or making it plant-wide, needs that unit in scope too.
      assertUnitInScope(by, definition.unitId, `Alert rule ${id}`);
      definition = this.check(definition, state);
      const rule = await this.rules.update(id, definition);
      if (!rule) throw new NotFoundException(`Unknown alert rule '${id}'`);
      AuditTrail.change(current, rule);
      await this.apply(rule, actor);
      return rule;
    });
  }

  /** Deletes a rule (kept for the history of its alarms) and closes its alarms. */
  deleteRule(id: string, by: Principal): Promise<void> {
    return this.changeRule(async () => {
      const current = await this.rule(id, by);
      if (!(await this.rules.softDelete(id))) throw new NotFoundException(`Unknown alert rule '${id}'`);
      AuditTrail.change(current, null);
      await this.publish(this.engine.removeRule(id, Date.now(), by.name));
    });
  }

  private changeRule<T>(work: () => Promise<T>): Promise<T> {
    const next = this.ruleChanges.then(work, work);
    this.ruleChanges = next.catch(() => undefined);
    return next;
  }

  /** The definition to store (a state name resolved to its threshold), or a 400 with every problem. */
  private check(definition: AlertRuleDefinition, choice?: StateChoice): AlertRuleDefinition {
    if (choice !== undefined) {
      const tables = this.settings.ofType(definition.sensorType, definition.unitId);
      const resolved = stateThreshold(definition, choice.state, choice.thresholdSent, tables);
      if (!resolved.ok) throw new BadRequestException([resolved.problem]);
      definition = { ...definition, threshold: resolved.threshold };
    }
    const problems = validateAlertRule(definition);
    if (problems.length > 0) throw new BadRequestException(problems);
    return definition;
  }

  private async apply(rule: StoredAlertRule, actor: string): Promise<void> {
    const now = Date.now();
    const changes = this.engine.putRule(rule, now, actor);
    if (rule.enabled && rule.condition === 'no_data') await this.watchSilence([rule], now);
    await this.publish(changes);
  }

  /** Lets no_data rules watch the sensors that have reported before, so one that stays silent raises too. */
  private async watchSilence(rules: StoredAlertRule[], now: number): Promise<void> {
    if (rules.length === 0) return;
    this.engine.watch(await this.alarms.sensorsOfTypes([...new Set(rules.map((r) => r.sensorType))]), now);
  }

  // ---- health -----------------------------------------------------------------------------------------------

  get enabledRuleCount(): number {
    return this.engine.enabledRuleCount;
  }

  /** For /api/v1/scada/status. */
  status(): AlarmCounts & {
    enabled_rules: number;
    transitions: number;
    pending_writes: number;
    write_errors: number;
    refused_writes: number;
    inconsistencies: number;
    tick_errors: number;
    last_error: string | undefined;
  } {
    return {
      enabled_rules: this.engine.enabledRuleCount,
      ...this.engine.counts(Date.now()),
      transitions: this.engine.transitions,
      pending_writes: this.writer.pending,
      write_errors: this.writer.writeErrors,
      refused_writes: this.writer.refused,
      inconsistencies: this.engine.inconsistencies,
      tick_errors: this.tickErrors,
      last_error: this.writer.lastError,
    };
  }
}
