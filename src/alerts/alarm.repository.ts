import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { And, type FindOptionsWhere, LessThan, MoreThan, MoreThanOrEqual, Not, type Repository } from 'typeorm';
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
  offset: number;
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

  /** Alarms of any state, newest first, one page at a time. */
  async history(filter: AlarmHistoryFilter): Promise<{ items: Alarm[]; total: number }> {
    const where: FindOptionsWhere<AlarmEntity> = {};
    if (filter.unitId !== undefined) where.unitId = filter.unitId;
    if (filter.severity !== undefined) where.severity = filter.severity;
    if (filter.state !== undefined) where.state = filter.state;
    if (filter.ruleId !== undefined) where.ruleId = filter.ruleId;
    if (filter.from !== undefined && filter.to !== undefined) {
      where.raisedAt = And(MoreThanOrEqual(new Date(filter.from)), LessThan(new Date(filter.to)));
    } else if (filter.from !== undefined) {
      where.raisedAt = MoreThanOrEqual(new Date(filter.from));
    } else if (filter.to !== undefined) {
      where.raisedAt = LessThan(new Date(filter.to));
    }
    const [rows, total] = await this.alarms.findAndCount({
      where,
      order: { raisedAt: 'DESC', id: 'ASC' },
      skip: filter.offset,
      take: filter.limit,
    });
    return { items: rows.map(toAlarm), total };
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
