import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import type { PointKind, PointState } from '../processor/point-kind.js';
import type { ChannelKind, CommandSettings, ConfirmationRule } from './command-settings.js';
import type { CommandState } from './command-state.js';

/** A stored command. */
export interface CommandRecord {
  id: string;
  unitId: string;
  sensorType: string;
  sensorId: number;
  channel: ChannelKind;
  value: number;
  previousValue: number | null;
  state: CommandState;
  confirmation: ConfirmationRule;
  reason: string | null;
  comment: string | null;
  selectionId: string | null;
  issuedBy: string;
  issuedById: string;
  createdAt: Date;
  expiresAt: Date;
  sentAt: Date | null;
  finishedAt: Date | null;
}

/** A point as a command needs it: the sensor, its kind and states, its command settings, its unit's status. */
export interface CommandPoint {
  sensorId: number;
  kind: PointKind;
  states: PointState[] | null;
  command: CommandSettings | null;
  unitStatus: string;
}

interface Row {
  id: string;
  unit_id: string;
  sensor_type: string;
  sensor_id: number;
  channel: ChannelKind;
  value: number;
  previous_value: number | null;
  state: CommandState;
  confirmation: ConfirmationRule;
  reason: string | null;
  comment: string | null;
  selection_id: string | null;
  issued_by: string;
  issued_by_id: string;
  created_at: Date;
  expires_at: Date;
  sent_at: Date | null;
  finished_at: Date | null;
}

const toRecord = (r: Row): CommandRecord => ({
  id: r.id,
  unitId: r.unit_id,
  sensorType: r.sensor_type,
  sensorId: r.sensor_id,
  channel: r.channel,
  value: Number(r.value),
  previousValue: r.previous_value === null ? null : Number(r.previous_value),
  state: r.state,
  confirmation: r.confirmation,
  reason: r.reason,
  comment: r.comment,
  selectionId: r.selection_id,
  issuedBy: r.issued_by,
  issuedById: r.issued_by_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  sentAt: r.sent_at,
  finishedAt: r.finished_at,
});

/** PostgreSQL's SQLSTATE for a unique violation: here, a second command in flight to one point. */
export const UNIQUE_VIOLATION = '23505';

/** The commands table and what a command reads of sensors, readings and alarms (management path: plain SQL). */
@Injectable()
export class CommandRepository {
  constructor(private readonly db: DatabasePool) {}

  async point(unitId: string, sensorType: string): Promise<CommandPoint | null> {
    const [row] = await this.db.query<{
      id: number;
      kind: PointKind | null;
      states: PointState[] | null;
      command: CommandSettings | null;
      status: string;
    }>(
      `SELECT s.id, s.kind, s.states, s.command, u.status FROM sensors s JOIN units u ON u.id = s.unit_id
       WHERE s.unit_id = $1 AND s.sensor_type = $2`,
      [unitId, sensorType],
    );
    if (row === undefined) return null;
    return {
      sensorId: row.id,
      kind: row.kind ?? 'analog',
      states: row.states,
      command: row.command,
      unitStatus: row.status,
    };
  }

  async sensor(id: number): Promise<{
    unitId: string;
    sensorType: string;
    kind: PointKind;
    states: PointState[] | null;
    command: CommandSettings | null;
  } | null> {
    const [row] = await this.db.query<{
      unit_id: string;
      sensor_type: string;
      kind: PointKind | null;
      states: PointState[] | null;
      command: CommandSettings | null;
    }>('SELECT unit_id, sensor_type, kind, states, command FROM sensors WHERE id = $1', [id]);
    return row === undefined
      ? null
      : {
          unitId: row.unit_id,
          sensorType: row.sensor_type,
          kind: row.kind ?? 'analog',
          states: row.states,
          command: row.command,
        };
  }

  async unitExists(unitId: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM units WHERE id = $1', [unitId])).length > 0;
  }

  async lastValue(sensorId: number): Promise<number | null> {
    const [row] = await this.db.query<{ value: number }>(
      'SELECT value FROM sensor_readings WHERE sensor_id = $1 ORDER BY time DESC LIMIT 1',
      [sensorId],
    );
    return row === undefined ? null : Number(row.value);
  }

  async hasUnacknowledgedCritical(unitId: string, sensorType: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM alarms WHERE unit_id = $1 AND sensor_type = $2 AND severity = 'critical'
       AND state = 'active_unacknowledged' LIMIT 1`,
      [unitId, sensorType],
    );
    return rows.length > 0;
  }

  async openCount(unitId: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM commands WHERE unit_id = $1 AND state IN ('pending', 'sent')`,
      [unitId],
    );
    return row.n;
  }

  /** Stores a new pending command; throws the database's unique violation when the point has one in flight. */
  async insert(c: Omit<CommandRecord, 'state' | 'reason' | 'sentAt' | 'finishedAt'>): Promise<CommandRecord> {
    const [row] = await this.db.query<Row>(
      `INSERT INTO commands (id, unit_id, sensor_type, sensor_id, channel, value, previous_value, state, confirmation,
                             comment, selection_id, issued_by, issued_by_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11, $12, $13, $14)
       RETURNING *`,
      [
        c.id,
        c.unitId,
        c.sensorType,
        c.sensorId,
        c.channel,
        c.value,
        c.previousValue,
        c.confirmation,
        c.comment,
        c.selectionId,
        c.issuedBy,
        c.issuedById,
        c.createdAt,
        c.expiresAt,
      ],
    );
    return toRecord(row);
  }

  /** Moves a command on, only from a state it may leave (so two instances or a sweep cannot both finish it). */
  async transition(
    id: string,
    from: CommandState,
    to: CommandState,
    reason: string | undefined,
    at: Date,
  ): Promise<CommandRecord | null> {
    const finished = to !== 'pending' && to !== 'sent';
    const [row] = await this.db.query<Row>(
      `UPDATE commands SET state = $3::varchar, reason = COALESCE($4::varchar, reason),
         sent_at = CASE WHEN $7::boolean THEN $5::timestamptz ELSE sent_at END,
         finished_at = CASE WHEN $6::boolean THEN $5::timestamptz ELSE finished_at END
       WHERE id = $1 AND state = $2 RETURNING *`,
      [id, from, to, reason ?? null, at, finished, to === 'sent'],
    );
    return row === undefined ? null : toRecord(row);
  }

  async find(id: string): Promise<CommandRecord | null> {
    const [row] = await this.db.query<Row>('SELECT * FROM commands WHERE id = $1', [id]);
    return row === undefined ? null : toRecord(row);
  }

  /** Newest first, after the keyset (created_at, id) of the previous page. */
  async page(filter: {
    unitIds?: readonly string[];
    state?: CommandState;
    before?: { createdAt: Date; id: string };
    limit: number;
  }): Promise<CommandRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.unitIds !== undefined) add('unit_id = ANY(?::varchar[])', filter.unitIds);
    if (filter.state !== undefined) add('state = ?', filter.state);
    if (filter.before !== undefined) {
      params.push(filter.before.createdAt, filter.before.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(filter.limit);
    const rows = await this.db.query<Row>(
      `SELECT * FROM commands ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  /**
   * Finishes commands whose deadline passed long ago with no outcome recorded: their instance stopped or crashed
   * before the deadline, so no timer of a live instance will. Answers what it finished.
   */
  async expireOrphans(graceMs: number): Promise<CommandRecord[]> {
    const rows = await this.db.query<Row>(
      `UPDATE commands SET state = 'timed_out', finished_at = now(),
         reason = 'no outcome recorded before the deadline (the issuing backend instance stopped)'
       WHERE state IN ('pending', 'sent') AND expires_at < now() - make_interval(secs => $1)
       RETURNING *`,
      [graceMs / 1000],
    );
    return rows.map(toRecord);
  }

  /** Deletes finished commands older than maxAgeSeconds (0: no age limit) and beyond the newest maxRows. */
  async prune(maxAgeSeconds: number, maxRows: number): Promise<number> {
    let removed = 0;
    if (maxAgeSeconds > 0) {
      removed += await this.db.execute(
        `DELETE FROM commands WHERE finished_at IS NOT NULL AND created_at < now() - make_interval(secs => $1)`,
        [maxAgeSeconds],
      );
    }
    removed += await this.db.execute(
      `DELETE FROM commands WHERE finished_at IS NOT NULL AND id IN (
         SELECT id FROM commands WHERE finished_at IS NOT NULL ORDER BY created_at DESC, id DESC OFFSET $1)`,
      [maxRows],
    );
    return removed;
  }

  async saveSettings(sensorId: number, settings: CommandSettings | null): Promise<void> {
    await this.db.execute(
      `UPDATE sensors SET command = $2::jsonb, settings_updated_at = clock_timestamp() WHERE id = $1`,
      [sensorId, settings === null ? null : JSON.stringify(settings)],
    );
  }

  /** The points among these (unit, sensor type) pairs that are not writable yet. One statement for any number. */
  async readOnlyPoints(
    points: readonly { unitId: string; sensorType: string }[],
  ): Promise<{ id: number; unitId: string; sensorType: string; kind: PointKind; states: PointState[] | null }[]> {
    const rows = await this.db.query<{
      id: number;
      unit_id: string;
      sensor_type: string;
      kind: PointKind | null;
      states: PointState[] | null;
    }>(
      `SELECT s.id, s.unit_id, s.sensor_type, s.kind, s.states
         FROM sensors s JOIN unnest($1::varchar[], $2::varchar[]) AS p(unit_id, sensor_type)
           ON s.unit_id = p.unit_id AND s.sensor_type = p.sensor_type
        WHERE s.command IS NULL`,
      [points.map((p) => p.unitId), points.map((p) => p.sensorType)],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      unitId: r.unit_id,
      sensorType: r.sensor_type,
      kind: r.kind ?? 'analog',
      states: r.states,
    }));
  }

  /** Sets the settings of sensors that still have none (an engineer's PUT in between wins); answers how many. */
  async fillSettings(entries: readonly { sensorId: number; settings: CommandSettings }[]): Promise<number> {
    if (entries.length === 0) return 0;
    return await this.db.execute(
      `UPDATE sensors s SET command = d.command::jsonb, settings_updated_at = clock_timestamp()
         FROM unnest($1::int[], $2::text[]) AS d(id, command)
        WHERE s.id = d.id AND s.command IS NULL`,
      [entries.map((e) => e.sensorId), entries.map((e) => JSON.stringify(e.settings))],
    );
  }
}
