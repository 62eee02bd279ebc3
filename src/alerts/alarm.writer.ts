import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { Backoff } from '../common/backoff.js';
import { type Alarm, type AlarmChange, isClosed } from './alarm-lifecycle.js';
import type { AlarmWriteExtension } from './alarm-write.extension.js';

/** Epoch milliseconds (with microsecond fraction) as the integer microseconds the SQL below turns back into time. */
const micros = (ms: number | null | undefined): number | null =>
  ms === null || ms === undefined ? null : Math.round(ms * 1000);
const time = (column: string): string => `timestamptz 'epoch' + ${column} * interval '1 microsecond'`;

/**
 * Every alarm's latest state and every transition, in one statement (so they commit together): the alarms are
 * upserted by id, then the transitions appended. Both arrive as one JSON array each, which needs no escaping
 * and no parameter per row. Rows are inserted in `ord` order, closing alarms first, so a point whose alarm closes
 * and reopens in one batch never holds two open alarms, which the partial unique index would refuse.
 */
const WRITE_ALARMS = `
  upserted AS (
    INSERT INTO alarms (id, rule_id, unit_id, sensor_type, severity, state, message, value, threshold, raised_at,
                        raise_count, acknowledged_at, acknowledged_by, acknowledge_comment, cleared_at, closed_at,
                        shelved_until, shelved_by, shelve_reason, updated_at)
    SELECT a.id, a.rule_id, a.unit_id, a.sensor_type, a.severity, a.state, a.message, a.value, a.threshold,
           ${time('a.raised_at')}, a.raise_count, ${time('a.acknowledged_at')}, a.acknowledged_by,
           a.acknowledge_comment, ${time('a.cleared_at')}, ${time('a.closed_at')}, ${time('a.shelved_until')},
           a.shelved_by, a.shelve_reason, now()
    FROM jsonb_to_recordset($1::jsonb) AS a(
      ord int, id uuid, rule_id uuid, unit_id varchar, sensor_type varchar, severity varchar, state varchar,
      message text, value float8, threshold float8, raised_at int8, raise_count int, acknowledged_at int8,
      acknowledged_by varchar, acknowledge_comment varchar, cleared_at int8, closed_at int8, shelved_until int8,
      shelved_by varchar, shelve_reason varchar)
    ORDER BY a.ord
    ON CONFLICT (id) DO UPDATE SET
      severity = EXCLUDED.severity, state = EXCLUDED.state, message = EXCLUDED.message, value = EXCLUDED.value,
      threshold = EXCLUDED.threshold, raised_at = EXCLUDED.raised_at, raise_count = EXCLUDED.raise_count,
      acknowledged_at = EXCLUDED.acknowledged_at, acknowledged_by = EXCLUDED.acknowledged_by,
      acknowledge_comment = EXCLUDED.acknowledge_comment, cleared_at = EXCLUDED.cleared_at,
      closed_at = EXCLUDED.closed_at, shelved_until = EXCLUDED.shelved_until, shelved_by = EXCLUDED.shelved_by,
      shelve_reason = EXCLUDED.shelve_reason, updated_at = now()
  )
  , events AS (
  INSERT INTO alarm_events (alarm_id, action, from_state, to_state, at, actor, comment, value, shelved_until)
  SELECT e.alarm_id, e.action, e.from_state, e.to_state, ${time('e.at')}, e.actor, e.comment, e.value,
         ${time('e.shelved_until')}
  FROM jsonb_to_recordset($2::jsonb) AS e(
    ord int, alarm_id uuid, action varchar, from_state varchar, to_state varchar, at int8, actor varchar,
    comment varchar, value float8, shelved_until int8)
  ORDER BY e.ord
  )`;

interface Queued {
  changes: AlarmChange[];
  settle: (stored: boolean) => void;
}

/**
 * Stores alarm transitions in batches: whatever arrives while a write is in flight goes into the next statement,
 * with each alarm's latest state once and every transition in order. A failed write is retried with backoff (the
 * database being away must not lose an alarm); one the database refuses on principle (a constraint: a second
 * open alarm for a point, a rule that is gone) would fail forever, so it is logged, counted and dropped.
 */
@Injectable()
export class AlarmWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AlarmWriter.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  private queue: Queued[] = [];
  private queuedChanges = 0;
  /** Set and cleared synchronously with the drain loop's own check, so a write can never slip between them. */
  private draining = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly retry = new Backoff({ initialMs: 200, maxMs: 5000 });
  private stopping = false;
  /** Failed writes (each retried unless refused). */
  writeErrors = 0;
  /** Transitions dropped because the database refused them. */
  refused = 0;
  /** Most recent write failure, cleared by the next success. */
  lastError: string | undefined;

  private readonly extensions: AlarmWriteExtension[] = [];
  /** The statement for the writer's own two CTEs and every extension's; rebuilt when one is added. */
  private statement = `WITH ${WRITE_ALARMS} SELECT 1`;

  constructor(private readonly db: DatabasePool) {}

  /**
   * Adds a statement that commits with every later write of transitions (see AlarmWriteExtension). Called at
   * start-up (onModuleInit of the extending module), before transitions flow.
   */
  extend(extension: AlarmWriteExtension): void {
    if (!/^[A-Za-z_]+$/.test(extension.name)) throw new Error(`Alarm write extension name '${extension.name}'`);
    this.extensions.push(extension);
    let next = 3;
    const ctes = this.extensions.map((e) => {
      const cte = `, ext_${e.name} AS (${e.statement(next)})`;
      next += e.paramCount;
      return cte;
    });
    this.statement = `WITH ${WRITE_ALARMS} ${ctes.join('\n')} SELECT 1`;
  }

  /** Transitions waiting for the database. */
  get pending(): number {
    return this.queuedChanges;
  }

  /** Queues transitions; resolves true once they are committed, false if the database refused them. */
  write(changes: AlarmChange[]): Promise<boolean> {
    if (changes.length === 0) return Promise.resolve(true);
    return new Promise<boolean>((settle) => {
      this.queue.push({ changes, settle });
      this.queuedChanges += changes.length;
      if (!this.draining) {
        this.draining = true;
        this.writing = this.drain();
      }
    });
  }

  /** Before the database closes: what is queued gets its chance to be stored (for at most 5 s). */
  async beforeApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (this.draining && Date.now() < deadline) {
      await Promise.race([this.writing, new Promise((r) => setTimeout(r, 100))]);
    }
    this.stopping = true;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.stopping) await this.writeQueued();
    } finally {
      // In the same synchronous step as the loop's last check: a write queued after it starts a new drain.
      this.draining = false;
    }
  }

  /** Writes everything queued so far in one statement, retrying or dropping it on failure. */
  private async writeQueued(): Promise<void> {
    const take = this.queue.slice();
    const changes = take.flatMap((q) => q.changes);
    let stored = true;
    try {
      await this.store(changes);
      this.retry.reset();
      this.lastError = undefined;
    } catch (err) {
      this.writeErrors++;
      this.lastError = err instanceof Error ? err.message : String(err);
      if (!refusedByConstraint(err)) {
        const delay = this.retry.next();
        this.errorLog.error(
          'write',
          `Storing ${changes.length} alarm transitions failed, retrying in ${delay} ms: ${this.lastError}`,
        );
        await new Promise((r) => setTimeout(r, delay));
        return;
      }
      this.refused += changes.length;
      stored = false;
      this.logger.error(`Storing ${changes.length} alarm transitions was refused, dropped: ${this.lastError}`);
    }
    this.queue.splice(0, take.length);
    this.queuedChanges -= changes.length;
    for (const q of take) q.settle(stored);
  }

  private async store(changes: AlarmChange[]): Promise<void> {
    const latest = new Map<string, Alarm>();
    for (const { alarm } of changes) latest.set(alarm.id, alarm);
    const alarms = [...latest.values()].sort((a, b) => Number(!isClosed(a)) - Number(!isClosed(b)));
    const alarmRows = alarms.map((a, ord) => ({
      ord,
      id: a.id,
      rule_id: a.ruleId,
      unit_id: a.unitId,
      sensor_type: a.sensorType,
      severity: a.severity,
      state: a.state,
      message: a.message,
      value: a.value,
      threshold: a.threshold,
      raised_at: micros(a.raisedAt),
      raise_count: a.raiseCount,
      acknowledged_at: micros(a.acknowledgedAt),
      acknowledged_by: a.acknowledgedBy,
      acknowledge_comment: a.acknowledgeComment,
      cleared_at: micros(a.clearedAt),
      closed_at: micros(a.closedAt),
      shelved_until: micros(a.shelvedUntil),
      shelved_by: a.shelvedBy,
      shelve_reason: a.shelveReason,
    }));
    const eventRows = changes.map(({ alarm, transition: t }, ord) => ({
      ord,
      alarm_id: t.alarmId,
      action: t.action,
      from_state: t.from,
      to_state: t.to,
      at: micros(t.at),
      actor: t.actor ?? null,
      comment: t.comment ?? null,
      // What the evaluator reported; an operator's action has no reading of its own.
      value: t.action === 'raise' || t.action === 'clear' ? alarm.value : null,
      shelved_until: micros(t.shelvedUntil),
    }));
    const params: unknown[] = [JSON.stringify(alarmRows), JSON.stringify(eventRows)];
    for (const extension of this.extensions) params.push(...extension.params(changes));
    await this.db.execute(this.statement, params);
  }
}

/** Integrity constraint violations (SQLSTATE class 23): retrying cannot make them pass. */
function refusedByConstraint(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('23');
}
