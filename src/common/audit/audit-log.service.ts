import { Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import { FeatureRegistry } from '../feature/feature.registry.js';
import { DatabasePool } from '../database/database.pool.js';
import { ThrottledLogger } from '../logging/throttled-logger.js';
import type { Role } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';

/**
 * The audit log's writes started failing, or stored again after failing. Sent on the change only, never per write:
 * the alarm engine turns it into the plant-wide system alarm `@system` / `audit_log` (alerts/system-alarms.ts).
 */
export interface AuditHealth {
  failing: boolean;
  /** Epoch milliseconds of the write that changed it. */
  at: number;
  /** Failed writes since start (`scada_audit_write_failures_total`). */
  failures: number;
  /** The database's answer to the first failed write; absent when healthy again. */
  error?: string;
}

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

/** Failed authentications of one source are summed over this long: at most two rows per source per window. */
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Sources tracked at once; failures from further sources are summed under `other`, so memory stays bounded. */
const MAX_FAILURE_SOURCES = 10_000;

interface FailureWindow {
  start: number;
  /** Failures after the first one, not yet written. */
  more: number;
  actions: Set<string>;
}

/**
 * The append-only audit log (`audit_log`; the table refuses UPDATE, DELETE and TRUNCATE). Writes are not awaited by
 * callers on the request path: a slow database must not make a refusal slow, and a failed write is logged and
 * counted instead of failing the action it describes. The first failed write after a stored one also announces
 * its health (failing) to its listeners, the first stored one after a failure announces it healthy again: once per
 * change, never per write, so the alarm engine raises one system alarm while writes fail (see AlertsService).
 */
@Injectable()
export class AuditLog implements OnModuleDestroy {
  private readonly logger = new Logger(AuditLog.name);
  private readonly errors = new ThrottledLogger(this.logger);
  private written = 0;
  private failed = 0;
  private authFailures = 0;
  /** Whether the latest write to finish failed. */
  private failing = false;
  /** Who is told when writes start or stop failing (the alarm engine; none in a CLI). */
  private readonly healthListeners = new Set<(health: AuditHealth) => void>();
  private readonly failureWindows = new Map<string, FailureWindow>();
  private readonly failureTimer: NodeJS.Timeout;

  constructor(
    private readonly db: DatabasePool,
    @Optional() metrics?: FeatureRegistry,
  ) {
    this.failureTimer = setInterval(() => void this.flushFailures(Date.now()), AUTH_FAILURE_WINDOW_MS / 6);
    this.failureTimer.unref();
    metrics?.register('audit', () => {
      const counter = (name: string, help: string, value: number) => ({ name, help, type: 'counter' as const, value });
      return [
        counter('scada_audit_entries_written_total', 'Audit log entries stored', this.written),
        counter(
          'scada_audit_write_failures_total',
          'Audit log entries the database refused (each also logged)',
          this.failed,
        ),
        counter('scada_auth_failures_total', 'Failed authentications, REST and Socket.IO handshake', this.authFailures),
      ];
    });
  }

  onModuleDestroy(): Promise<void> {
    clearInterval(this.failureTimer);
    return this.flushFailures(Number.POSITIVE_INFINITY);
  }

  /**
   * A failed authentication (REST or Socket.IO handshake), summed per source so a flood cannot flood the table:
   * the first failure of a source in a window is written at once, as it is; the rest of that window becomes one
   * `auth.failures` row with their count when the window ends.
   */
  recordAuthFailure(entry: AuditEntry): void {
    this.authFailures++;
    const now = Date.now();
    let source = entry.ip ?? 'unknown';
    if (!this.failureWindows.has(source) && this.failureWindows.size >= MAX_FAILURE_SOURCES) source = 'other';
    const window = this.failureWindows.get(source);
    if (window !== undefined && now - window.start < AUTH_FAILURE_WINDOW_MS) {
      window.more++;
      if (window.actions.size < 8) window.actions.add(entry.action);
      return;
    }
    if (window !== undefined) void this.writeFailures(source, window);
    this.failureWindows.set(source, { start: now, more: 0, actions: new Set() });
    void this.record(entry);
  }

  /** Writes the summaries of the windows that ended before `now`, and forgets them. */
  private async flushFailures(now: number): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const [source, window] of this.failureWindows) {
      if (now - window.start < AUTH_FAILURE_WINDOW_MS) continue;
      this.failureWindows.delete(source);
      writes.push(this.writeFailures(source, window));
    }
    await Promise.all(writes);
  }

  private writeFailures(source: string, window: FailureWindow): Promise<void> {
    if (window.more === 0) return Promise.resolve();
    return this.record({
      actor: 'unauthenticated',
      actorKind: 'none',
      action: 'auth.failures',
      result: 'denied',
      status: 401,
      ip: source,
      target: {
        count: window.more,
        window_start: new Date(window.start).toISOString(),
        window_s: AUTH_FAILURE_WINDOW_MS / 1000,
        actions: [...window.actions],
      },
      detail: `${window.more} more failed authentications from ${source} in this window`,
    });
  }

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
      if (this.failing) this.healthChanged(false);
    } catch (err) {
      this.failed++;
      const message = (err as Error).message;
      this.errors.error('write', `Audit entry '${entry.action}' not stored: ${message}`);
      if (!this.failing) this.healthChanged(true, message);
    }
  }

  /**
   * Calls `listener` when writes start failing and when one is stored again, once per change; answers the
   * unsubscribe. A direct listener, not a bus event: the event bus is torn down with the application, and the audit
   * log still writes (and may fail) while it closes.
   */
  onHealthChanged(listener: (health: AuditHealth) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  private healthChanged(failing: boolean, error?: string): void {
    this.failing = failing;
    const health: AuditHealth = { failing, at: Date.now(), failures: this.failed, error };
    for (const listener of this.healthListeners) {
      try {
        listener(health);
      } catch (err) {
        this.errors.error('health', `Audit health listener failed: ${(err as Error).message}`);
      }
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
  snapshot(): { written: number; failed: number; auth_failures: number } {
    return { written: this.written, failed: this.failed, auth_failures: this.authFailures };
  }
}
