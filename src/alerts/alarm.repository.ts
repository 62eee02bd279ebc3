import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, MoreThan, Not, type Repository } from 'typeorm';
import { DatabasePool } from '../common/database/database.pool.js';
import type { Alarm, AlarmAction, AlarmState } from './alarm-lifecycle.js';
import type { SensorRef } from './alarm.engine.js';
import type { AlertSeverity } from './alert-rule.js';
import { AlarmEventEntity } from './entities/alarm-event.entity.js';
import { AlarmEntity } from './entities/alarm.entity.js';

/** One stored transition of an alarm. Times are epoch milliseconds. */
export interface AlarmEvent {
  action: AlarmAction;
  from: AlarmState | null;
  to: AlarmState;
  at: number;
  actor: string | null;
  comment: string | null;
  value: number | null;
  shelvedUntil: number | null;
}

export interface AlarmHistoryFilter {
  unitId?: string;
  severity?: AlertSeverity;
  state?: AlarmState;
  ruleId?: string;
  /** raised_at ≥ from (epoch ms). */
  from?: number;
  /** raised_at < to (epoch ms). */
  to?: number;
  limit: number;
  /** Continue after this alarm: its raised_at in epoch microseconds, and its id (the keyset of the order). */
  after?: { raisedAtMicros: number; id: string };
}

/** An alarm of a history page, with the exact keyset values a cursor needs. */
export interface AlarmHistoryItem {
  alarm: Alarm;
  raisedAtMicros: number;
}

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());

function toAlarm(e: AlarmEntity): Alarm {
  return {
    id: e.id,
    ruleId: e.ruleId,
    unitId: e.unitId,
    sensorType: e.sensorType,
    severity: e.severity,
    state: e.state,
    message: e.message,
    value: e.value,
    threshold: e.threshold,
    raisedAt: e.raisedAt.getTime(),
    raiseCount: e.raiseCount,
    acknowledgedAt: ms(e.acknowledgedAt),
    acknowledgedBy: e.acknowledgedBy,
    acknowledgeComment: e.acknowledgeComment,
    clearedAt: ms(e.clearedAt),
    closedAt: ms(e.closedAt),
    shelvedUntil: ms(e.shelvedUntil),
    shelvedBy: e.shelvedBy,
    shelveReason: e.shelveReason,
  };
}

function toEvent(e: AlarmEventEntity): AlarmEvent {
  return {
    action: e.action,
    from: e.fromState,
    to: e.toState,
    at: e.at.getTime(),
    actor: e.actor,
    comment: e.comment,
    value: e.value,
    shelvedUntil: ms(e.shelvedUntil),
  };
}

/** Reads of stored alarms: what a restart takes back, the history, one alarm's transitions. */
@Injectable()
export class AlarmRepository {
  constructor(
    @InjectRepository(AlarmEntity) private readonly alarms: Repository<AlarmEntity>,
    @InjectRepository(AlarmEventEntity) private readonly events: Repository<AlarmEventEntity>,
    private readonly db: DatabasePool,
  ) {}

  /** Open alarms, and closed ones whose shelve still runs (the next raise on their point inherits it). */
  async restorable(now: number): Promise<Alarm[]> {
    const rows = await this.alarms.find({
      where: [{ state: Not('cleared' as const) }, { shelvedUntil: MoreThan(new Date(now)) }],
      order: { raisedAt: 'ASC' },
    });
    return rows.map(toAlarm);
  }

  async find(id: string): Promise<Alarm | null> {
    const row = await this.alarms.findOneBy({ id });
    return row === null ? null : toAlarm(row);
  }

  /** An alarm's transitions, oldest first. */
  async eventsOf(alarmId: string): Promise<AlarmEvent[]> {
    const rows = await this.events.find({ where: { alarmId }, order: { at: 'ASC', id: 'ASC' } });
    return rows.map(toEvent);
  }

  /**
   * Alarms of any state, newest first (raised_at, then id, both descending), one page at a time by keyset: the
   * page after a cursor starts below the last alarm sent, so alarms raised meanwhile do not shift it. The keyset
   * query is plain SQL because raised_at has microseconds that a JS Date would round away; the page's rows are
   * then read through the entity.
   */
  async history(filter: AlarmHistoryFilter): Promise<{ items: AlarmHistoryItem[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown): void => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (filter.unitId !== undefined) add((p) => `unit_id = ${p}`, filter.unitId);
    if (filter.severity !== undefined) add((p) => `severity = ${p}`, filter.severity);
    if (filter.state !== undefined) add((p) => `state = ${p}`, filter.state);
    if (filter.ruleId !== undefined) add((p) => `rule_id = ${p}::uuid`, filter.ruleId);
    if (filter.from !== undefined) add((p) => `raised_at >= ${p}::timestamptz`, new Date(filter.from).toISOString());
    if (filter.to !== undefined) add((p) => `raised_at < ${p}::timestamptz`, new Date(filter.to).toISOString());
    const filtered = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const [{ total }] = await this.db.query<{ total: string }>(
      `SELECT count(*) AS total FROM alarms ${filtered}`,
      params,
    );
    if (filter.after !== undefined) {
      params.push(String(filter.after.raisedAtMicros), filter.after.id);
      where.push(
        `(raised_at, id) < (TIMESTAMPTZ 'epoch' + $${params.length - 1}::bigint * INTERVAL '1 microsecond', $${params.length}::uuid)`,
      );
    }
    params.push(filter.limit);
    const keys = await this.db.query<{ id: string; raised_at_micros: string }>(
      `SELECT id, (extract(epoch FROM raised_at) * 1000000)::bigint::text AS raised_at_micros FROM alarms
         ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
        ORDER BY raised_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const rows = keys.length === 0 ? [] : await this.alarms.findBy({ id: In(keys.map((k) => k.id)) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return {
      total: Number(total),
      items: keys
        .filter((k) => byId.has(k.id))
        .map((k) => ({ alarm: toAlarm(byId.get(k.id)!), raisedAtMicros: Number(k.raised_at_micros) })),
    };
  }

  /**
   * The sensors of these types that have ever reported, so no_data rules can watch them before they report again.
   * Read from telemetry's table directly: it is the one list of known sensors, and this runs at start-up and on
   * rule changes only.
   */
  async sensorsOfTypes(sensorTypes: string[]): Promise<SensorRef[]> {
    if (sensorTypes.length === 0) return [];
    const rows = await this.db.query<{ unit_id: string; sensor_type: string }>(
      'SELECT unit_id, sensor_type FROM sensors WHERE sensor_type = ANY ($1::varchar[])',
      [sensorTypes],
    );
    return rows.map((r) => ({ unitId: r.unit_id, sensorType: r.sensor_type }));
  }
}
