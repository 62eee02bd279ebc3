import { Injectable, Logger } from '@nestjs/common';
import { DatabasePool } from '../database/database.pool.js';
import { ThrottledLogger } from '../logging/throttled-logger.js';
import type { Role } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';

export type AuditResult = 'ok' | 'denied' | 'failed';
export const AUDIT_RESULTS: readonly AuditResult[] = ['ok', 'denied', 'failed'];

/** One row of the audit log: who did what, when, from where, with what result. */
export interface AuditEntry {
  /** Principal name, or `unauthenticated` for a refused caller without valid credentials. */
  actor: string;
  actorKind: Principal['kind'] | 'none';
  /** Key id or token subject. */
  actorId?: string;
  role?: Role;
  /** `<area>.<operation>`, e.g. `mqtt.connect`, `alert_rules.update`, `auth.denied`. */
  action: string;
  method?: string;
  path?: string;
  /** What the action was aimed at (path parameters, unit id). */
  target?: Record<string, unknown>;
  result: AuditResult;
  status?: number;
  ip?: string;
  oldValue?: unknown;
  newValue?: unknown;
  detail?: string;
}

export interface StoredAuditEntry extends AuditEntry {
  id: string;
  at: Date;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  result?: AuditResult;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

interface Row {
  id: string;
  at: Date;
  actor: string;
  actor_kind: AuditEntry['actorKind'];
  actor_id: string | null;
  role: Role | null;
  action: string;
  method: string | null;
  path: string | null;
  target: Record<string, unknown> | null;
  result: AuditResult;
  status: number | null;
  ip: string | null;
  old_value: unknown;
  new_value: unknown;
  detail: string | null;
  total: number;
}

const clip = (text: string | undefined, max: number): string | null =>
  text === undefined ? null : text.length > max ? text.slice(0, max) : text;

/** JSON for a jsonb column, bounded so one huge body cannot bloat the table. */
function json(value: unknown): string | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text.length > 16_384 ? JSON.stringify({ truncated: true, bytes: text.length }) : text;
}

/**
 * The append-only audit log (`audit_log`; the table refuses UPDATE, DELETE and TRUNCATE). Writes are not awaited by
 * callers on the request path: a slow database must not make a refusal slow, and a failed write is logged and
 * counted instead of failing the action it describes.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);
  private readonly errors = new ThrottledLogger(this.logger);
  private written = 0;
  private failed = 0;

  constructor(private readonly db: DatabasePool) {}

  /** Stores the entry; resolves once stored (or the failure logged). Never rejects. */
  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO audit_log (actor, actor_kind, actor_id, role, action, method, path, target, result, status, ip,
                                old_value, new_value, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12::jsonb, $13::jsonb, $14)`,
        [
          clip(entry.actor, 256),
          entry.actorKind,
          clip(entry.actorId, 256),
          entry.role ?? null,
          clip(entry.action, 128),
          clip(entry.method, 16),
          clip(entry.path, 2048),
          json(entry.target),
          entry.result,
          entry.status ?? null,
          clip(entry.ip, 64),
          json(entry.oldValue),
          json(entry.newValue),
          clip(entry.detail, 1024),
        ],
      );
      this.written++;
    } catch (err) {
      this.failed++;
      this.errors.error('write', `Audit entry '${entry.action}' not stored: ${(err as Error).message}`);
    }
  }

  async query(filter: AuditFilter): Promise<{ items: StoredAuditEntry[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.actor !== undefined) add('actor = ?', filter.actor);
    if (filter.action !== undefined) add('action = ?', filter.action);
    if (filter.result !== undefined) add('result = ?', filter.result);
    if (filter.from !== undefined) add('at >= ?', filter.from);
    if (filter.to !== undefined) add('at < ?', filter.to);
    params.push(filter.limit, filter.offset);
    const rows = await this.db.query<Row>(
      `SELECT *, count(*) OVER ()::int AS total FROM audit_log
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    const total =
      rows[0]?.total ??
      (filter.offset > 0
        ? (
            await this.db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
              params.slice(0, -2),
            )
          )[0].n
        : 0);
    return {
      total,
      items: rows.map((r) => ({
        id: String(r.id),
        at: r.at,
        actor: r.actor,
        actorKind: r.actor_kind,
        actorId: r.actor_id ?? undefined,
        role: r.role ?? undefined,
        action: r.action,
        method: r.method ?? undefined,
        path: r.path ?? undefined,
        target: r.target ?? undefined,
        result: r.result,
        status: r.status ?? undefined,
        ip: r.ip ?? undefined,
        oldValue: r.old_value ?? undefined,
        newValue: r.new_value ?? undefined,
        detail: r.detail ?? undefined,
      })),
    };
  }

  /** Counters for /metrics. */
  snapshot(): { written: number; failed: number } {
    return { written: this.written, failed: this.failed };
  }
}
