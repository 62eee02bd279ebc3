import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';

/** A topic filter held in a client id's broker session. */
export interface StoredSubscription {
  filter: string;
  qos: 0 | 1;
  /** Made from the configuration (prefix, shared group) rather than through the API. */
  configured: boolean;
}

/**
 * The backend's copy of the subscriptions in each client id's persistent broker session. The broker keeps them
 * across backend restarts, so the backend must too: to resubscribe its dynamic filters, and to unsubscribe a
 * configured filter the configuration no longer wants (a new prefix or shared group) instead of receiving it
 * forever. Control path only: a few rows, written when a subscription changes.
 */
@Injectable()
export class MqttSubscriptionRepository {
  constructor(private readonly db: DatabasePool) {}

  async list(clientId: string): Promise<StoredSubscription[]> {
    const rows = await this.db.query<{ filter: string; qos: number; configured: boolean }>(
      'SELECT filter, qos, configured FROM mqtt_subscriptions WHERE client_id = $1 ORDER BY created_at, filter',
      [clientId],
    );
    return rows.map((r) => ({ filter: r.filter, qos: r.qos === 0 ? 0 : 1, configured: r.configured }));
  }

  async save(clientId: string, subscriptions: readonly StoredSubscription[]): Promise<void> {
    if (subscriptions.length === 0) return;
    await this.db.execute(
      `INSERT INTO mqtt_subscriptions (client_id, filter, qos, configured)
       SELECT $1, * FROM unnest($2::varchar[], $3::int2[], $4::bool[])
       ON CONFLICT (client_id, filter) DO UPDATE SET qos = EXCLUDED.qos, configured = EXCLUDED.configured`,
      [
        clientId,
        subscriptions.map((s) => s.filter),
        subscriptions.map((s) => s.qos),
        subscriptions.map((s) => s.configured),
      ],
    );
  }

  async remove(clientId: string, filters: readonly string[]): Promise<void> {
    if (filters.length === 0) return;
    await this.db.execute('DELETE FROM mqtt_subscriptions WHERE client_id = $1 AND filter = ANY ($2::varchar[])', [
      clientId,
      filters,
    ]);
  }
}
