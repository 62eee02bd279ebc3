import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import type { NotificationPayload } from './notification-message.js';

export const DELIVERY_STATUSES = [
  'pending',
  'sending',
  'delivered',
  'failed',
  'cancelled',
  'rejected',
  'suppressed',
] as const;
/**
 * pending: waiting (for its time, a retry or the end of quiet hours); sending: claimed under a lease; the others are
 * final (suppressed: folded into a flood summary, `summaryId` once that summary was sent).
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DELIVERY_KINDS = ['transition', 'escalation', 'summary'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];

export interface Delivery {
  id: string;
  dedupKey: string;
  /** summary: a flood summary of one channel; it names no alarm, unit or rule. */
  kind: DeliveryKind;
  alarmId: string | null;
  unitId: string | null;
  ruleId: string | null;
  channelId: string;
  transition: string;
  step: number;
  status: DeliveryStatus;
  attempts: number;
  dueAt: Date;
  subject: string;
  template: string;
  /** The alarm as it was at the transition; null for a summary (built from its rows when sent). */
  payload: NotificationPayload | null;
  lastError: string | null;
  /** The summary that reported this suppressed row. */
  summaryId: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

interface DeliveryRow {
  id: string;
  dedup_key: string;
  kind: DeliveryKind;
  alarm_id: string | null;
  unit_id: string | null;
  notification_rule_id: string | null;
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
  summary_id: string | null;
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
  payload: r.kind === 'summary' ? null : r.payload,
  lastError: r.last_error,
  summaryId: r.summary_id === null ? null : String(r.summary_id),
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

/** An INSERT of one open summary per channel that `channels` (a SELECT of channel_id) names, due in `dueMs`. */
const OPEN_SUMMARY = (channels: string, dueMs: string) => `
  INSERT INTO notification_deliveries (dedup_key, kind, channel_id, transition, step, status, due_at, subject,
                                       template, payload)
  SELECT 'flood|' || c.channel_id || '|' || (extract(epoch FROM now()) * 1000000)::int8, 'summary', c.channel_id,
         'flood_summary', 0, 'pending', now() + ${dueMs}::float8 * interval '1 millisecond', '', '',
         jsonb_build_object('opened_at', now())
  FROM (${channels}) c
  ON CONFLICT DO NOTHING`;

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

  /** A claimed row that has nothing to send (an empty summary): final. */
  async cancel(id: string, token: string, reason: string): Promise<void> {
    await this.db.execute(
      `UPDATE notification_deliveries
       SET status = 'cancelled', finished_at = now(), lease_token = NULL, lease_until = NULL, last_error = $3
       WHERE id = $1 AND lease_token = $2 AND status = 'sending'`,
      [id, token, reason],
    );
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

  /**
   * Claimed rows go back to pending until `untilMs` each (quiet hours), their attempt given back: one statement.
   * `reason` is shown as last_error so the delivery list says why a row waits.
   */
  async hold(rows: readonly { id: string; untilMs: number; reason: string }[], token: string): Promise<number> {
    if (rows.length === 0) return 0;
    return this.db.execute(
      `UPDATE notification_deliveries d
       SET status = 'pending', lease_token = NULL, lease_until = NULL, attempts = greatest(d.attempts - 1, 0),
           due_at = timestamptz 'epoch' + h.until_ms * interval '1 millisecond', last_error = h.reason
       FROM unnest($1::int8[], $2::float8[], $3::text[]) AS h(id, until_ms, reason)
       WHERE d.id = h.id AND d.lease_token = $4 AND d.status = 'sending'`,
      [rows.map((r) => r.id), rows.map((r) => r.untilMs), rows.map((r) => r.reason), token],
    );
  }

  /**
   * For each of these rows: how many distinct alarms its channel was told about (transition rows, any status) in
   * the `windowMs` up to and including it. Read from the rows, so every instance counts the same.
   */
  async floodCounts(ids: readonly string[], windowMs: number): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<{ id: string; n: number }>(
      `SELECT d.id, (SELECT count(DISTINCT x.alarm_id)::int FROM notification_deliveries x
                     WHERE x.kind = 'transition' AND x.channel_id = d.channel_id AND x.id <= d.id
                       AND x.created_at > d.created_at - $2::float8 * interval '1 millisecond') AS n
       FROM notification_deliveries d WHERE d.id = ANY($1::int8[])`,
      [ids, windowMs],
    );
    return new Map(rows.map((r) => [String(r.id), r.n]));
  }

  /**
   * Folds claimed rows into their channels' open summaries (flood): the rows become `suppressed`, and a channel
   * without an open (pending) summary gets one, due in `summaryMs`. One statement; the partial unique index on open
   * summaries makes two instances folding at once share one summary. Returns how many rows were folded.
   */
  async fold(ids: readonly string[], token: string, summaryMs: number): Promise<number> {
    if (ids.length === 0) return 0;
    const [row] = await this.db.query<{ n: number }>(
      `WITH folded AS (
         UPDATE notification_deliveries
         SET status = 'suppressed', finished_at = now(), lease_token = NULL, lease_until = NULL,
             last_error = 'alarm flood: folded into a summary'
         WHERE id = ANY($1::int8[]) AND lease_token = $2 AND status = 'sending'
         RETURNING channel_id
       ), opened AS (${OPEN_SUMMARY('SELECT DISTINCT channel_id FROM folded', '$3')})
       SELECT count(*)::int AS n FROM folded`,
      [ids, token, summaryMs],
    );
    return row.n;
  }

  /**
   * Opens a summary for every channel that has suppressed rows no summary reported and no summary that will
   * (pending or being sent): the net under a fold that lost the race with its summary's claim.
   */
  async openMissingSummaries(summaryMs: number): Promise<number> {
    return this.db.execute(
      OPEN_SUMMARY(
        `SELECT DISTINCT u.channel_id FROM notification_deliveries u
         WHERE u.status = 'suppressed' AND u.summary_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM notification_deliveries s
                           WHERE s.kind = 'summary' AND s.channel_id = u.channel_id
                             AND s.status IN ('pending', 'sending'))`,
        '$1',
      ),
      [summaryMs],
    );
  }

  /**
   * What a claimed summary reports: it adopts its channel's suppressed rows that no summary reported yet, plus the
   * ones it adopted on an earlier attempt. Only the lease holder adopts.
   */
  async summaryRows(summaryId: string, token: string): Promise<{ transition: string; payload: NotificationPayload }[]> {
    return this.db.query<{ transition: string; payload: NotificationPayload }>(
      `WITH adopted AS (
         UPDATE notification_deliveries u SET summary_id = s.id
         FROM notification_deliveries s
         WHERE s.id = $1 AND s.lease_token = $2 AND s.status = 'sending' AND u.channel_id = s.channel_id
           AND u.status = 'suppressed' AND u.summary_id IS NULL
         RETURNING u.id, u.transition, u.payload
       )
       SELECT id, transition, payload FROM adopted
       UNION ALL
       SELECT id, transition, payload FROM notification_deliveries WHERE summary_id = $1
       ORDER BY id`,
      [summaryId, token],
    );
  }

  /** Channels that are in a flood now (more than `threshold` distinct alarms in the last `windowMs`). */
  async floodedChannels(threshold: number, windowMs: number): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT channel_id FROM notification_deliveries
         WHERE kind = 'transition' AND created_at > now() - $2::float8 * interval '1 millisecond'
         GROUP BY channel_id HAVING count(DISTINCT alarm_id) > $1) f`,
      [threshold, windowMs],
    );
    return row.n;
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
