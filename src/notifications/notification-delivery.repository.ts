import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import type { NotificationPayload } from './notification-message.js';

export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed', 'cancelled', 'rejected'] as const;
/** pending: waiting (or waiting for a retry); sending: claimed under a lease; the others are final. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
  id: string;
  dedupKey: string;
  kind: 'transition' | 'escalation';
  alarmId: string;
  unitId: string;
  ruleId: string;
  channelId: string;
  transition: string;
  step: number;
  status: DeliveryStatus;
  attempts: number;
  dueAt: Date;
  subject: string;
  template: string;
  payload: NotificationPayload;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

interface DeliveryRow {
  id: string;
  dedup_key: string;
  kind: Delivery['kind'];
  alarm_id: string;
  unit_id: string;
  notification_rule_id: string;
  channel_id: string;
  transition: string;
  step: number;
  status: DeliveryStatus;
  attempts: number;
  due_at: Date;
  subject: string;
  template: string;
  payload: NotificationPayload;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const toDelivery = (r: DeliveryRow): Delivery => ({
  id: String(r.id),
  dedupKey: r.dedup_key,
  kind: r.kind,
  alarmId: r.alarm_id,
  unitId: r.unit_id,
  ruleId: r.notification_rule_id,
  channelId: r.channel_id,
  transition: r.transition,
  step: r.step,
  status: r.status,
  attempts: r.attempts,
  dueAt: r.due_at,
  subject: r.subject,
  template: r.template,
  payload: r.payload,
  lastError: r.last_error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export interface DeliveryFilter {
  status?: DeliveryStatus;
  channelId?: string;
  alarmId?: string;
  /** Only these units (the caller's scope); undefined: every unit. */
  units?: readonly string[];
  /** Ids below this one (the cursor: newest first). */
  beforeId?: string;
  limit: number;
}

/**
 * The outbox. Every statement is one autocommitted statement: the claim takes its row locks (FOR UPDATE SKIP
 * LOCKED, so two instances never claim the same row) only for its own duration and leaves a lease behind, which is
 * what keeps the row while it is sent. No transaction stays open across a send, so the embedded database, which
 * runs every connection in one session, cannot deadlock on it, and a crashed instance holds nothing but a lease
 * that runs out. A finished row is only written by the holder of its current lease (`lease_token`).
 */
@Injectable()
export class NotificationDeliveryRepository {
  constructor(private readonly db: DatabasePool) {}

  async page(filter: DeliveryFilter): Promise<Delivery[]> {
    const rows = await this.db.query<DeliveryRow>(
      `SELECT * FROM notification_deliveries
       WHERE ($1::varchar IS NULL OR status = $1) AND ($2::uuid IS NULL OR channel_id = $2)
         AND ($3::uuid IS NULL OR alarm_id = $3) AND ($4::varchar[] IS NULL OR unit_id = ANY($4))
         AND ($5::int8 IS NULL OR id < $5)
       ORDER BY id DESC LIMIT $6`,
      [
        filter.status ?? null,
        filter.channelId ?? null,
        filter.alarmId ?? null,
        filter.units ?? null,
        filter.beforeId ?? null,
        filter.limit,
      ],
    );
    return rows.map(toDelivery);
  }

  /**
   * Escalations of alarms that were acknowledged, closed or shelved meanwhile are cancelled, due or not (so the
   * delivery list shows at once that they will not go out): acknowledging stops the escalation (ISA-18.2:
   * cleared_unacknowledged still escalates). Bounded by the outbox cap, and served by its partial index.
   */
  async cancelSettledEscalations(): Promise<number> {
    return this.db.execute(
      `UPDATE notification_deliveries d
       SET status = 'cancelled', finished_at = now(), lease_token = NULL,
           last_error = CASE WHEN a.id IS NULL THEN 'alarm not found'
                             WHEN a.shelved_until > now() THEN 'alarm shelved'
                             WHEN a.acknowledged_at IS NOT NULL THEN 'alarm acknowledged'
                             ELSE 'alarm closed' END
       FROM notification_deliveries o LEFT JOIN alarms a ON a.id = o.alarm_id
       WHERE d.id = o.id AND o.kind = 'escalation' AND o.status = 'pending'
         AND (a.id IS NULL OR a.acknowledged_at IS NOT NULL OR a.state = 'cleared' OR a.shelved_until > now())`,
    );
  }

  /**
   * Claims up to `limit` due rows (pending and due, or sending with a lapsed lease) for `leaseMs` under `token`,
   * counting an attempt each. Escalations whose alarm no longer needs them are left for cancelSettledEscalations.
   */
  async claim(token: string, leaseMs: number, limit: number): Promise<Delivery[]> {
    const rows = await this.db.query<DeliveryRow>(
      `UPDATE notification_deliveries d
       SET status = 'sending', lease_token = $1, lease_until = now() + $2::float8 * interval '1 millisecond',
           attempts = d.attempts + 1
       WHERE d.id IN (
         SELECT o.id FROM notification_deliveries o
         WHERE ((o.status = 'pending' AND o.due_at <= now()) OR (o.status = 'sending' AND o.lease_until < now()))
           AND NOT (o.kind = 'escalation' AND NOT EXISTS (
             SELECT 1 FROM alarms a WHERE a.id = o.alarm_id AND a.acknowledged_at IS NULL AND a.state <> 'cleared'
               AND (a.shelved_until IS NULL OR a.shelved_until <= now())))
         ORDER BY o.due_at, o.id
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING d.*`,
      [token, leaseMs, limit],
    );
    return rows.map(toDelivery);
  }

  /** Sent: final. False when the lease was lost (another instance took the row over). */
  async delivered(id: string, token: string): Promise<boolean> {
    const n = await this.db.execute(
      `UPDATE notification_deliveries
       SET status = 'delivered', finished_at = now(), lease_token = NULL, lease_until = NULL, last_error = NULL
       WHERE id = $1 AND lease_token = $2 AND status = 'sending'`,
      [id, token],
    );
    return n > 0;
  }

  /** Not sent: again after `retryInMs`, or final (`failed`) when `final`. */
  async failed(id: string, token: string, error: string, retryInMs: number | null): Promise<boolean> {
    const n = await this.db.execute(
      `UPDATE notification_deliveries
       SET status = CASE WHEN $4::float8 IS NULL THEN 'failed' ELSE 'pending' END,
           due_at = CASE WHEN $4::float8 IS NULL THEN due_at ELSE now() + $4::float8 * interval '1 millisecond' END,
           finished_at = CASE WHEN $4::float8 IS NULL THEN now() ELSE NULL END,
           lease_token = NULL, lease_until = NULL, last_error = $3
       WHERE id = $1 AND lease_token = $2 AND status = 'sending'`,
      [id, token, error.slice(0, 500), retryInMs],
    );
    return n > 0;
  }

  /** A claimed row goes back to pending untouched (shutdown): the attempt it was charged is given back. */
  async release(id: string, token: string): Promise<void> {
    await this.db.execute(
      `UPDATE notification_deliveries SET status = 'pending', lease_token = NULL, lease_until = NULL,
         attempts = greatest(attempts - 1, 0)
       WHERE id = $1 AND lease_token = $2 AND status = 'sending'`,
      [id, token],
    );
  }

  /** Rows by status (for /metrics; the open ones are the outbox depth). */
  async countByStatus(): Promise<Map<DeliveryStatus, number>> {
    const rows = await this.db.query<{ status: DeliveryStatus; n: number }>(
      'SELECT status, count(*)::int AS n FROM notification_deliveries GROUP BY status',
    );
    return new Map(rows.map((r) => [r.status, r.n]));
  }

  /** Deletes finished rows older than `seconds`, at most `batch` of them. */
  async prune(seconds: number, batch: number): Promise<number> {
    return this.db.execute(
      `DELETE FROM notification_deliveries WHERE id IN (
         SELECT id FROM notification_deliveries
         WHERE finished_at IS NOT NULL AND finished_at < now() - $1::float8 * interval '1 second' LIMIT $2)`,
      [seconds, batch],
    );
  }
}
