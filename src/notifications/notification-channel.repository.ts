import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import type { ChannelConfig, NotificationChannel } from './notification-channel.js';

interface ChannelRow {
  id: string;
  name: string;
  type: NotificationChannel['type'];
  enabled: boolean;
  config: NotificationChannel['config'];
  secret: string | null;
  created_at: Date;
  updated_at: Date;
}

const toChannel = (row: ChannelRow): NotificationChannel =>
  ({
    id: row.id,
    name: row.name,
    type: row.type,
    enabled: row.enabled,
    config: row.config,
    secret: row.secret,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }) as NotificationChannel;

/** The channels table (management, not the hot path: plain SQL through the one pool). */
@Injectable()
export class NotificationChannelRepository {
  constructor(private readonly db: DatabasePool) {}

  async list(): Promise<NotificationChannel[]> {
    return (await this.db.query<ChannelRow>('SELECT * FROM notification_channels ORDER BY created_at, id')).map(
      toChannel,
    );
  }

  async find(id: string): Promise<NotificationChannel | null> {
    const [row] = await this.db.query<ChannelRow>('SELECT * FROM notification_channels WHERE id = $1', [id]);
    return row === undefined ? null : toChannel(row);
  }

  async findMany(ids: readonly string[]): Promise<Map<string, NotificationChannel>> {
    const rows = await this.db.query<ChannelRow>('SELECT * FROM notification_channels WHERE id = ANY($1::uuid[])', [
      ids,
    ]);
    return new Map(rows.map((row) => [row.id, toChannel(row)]));
  }

  async count(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_channels');
    return row.n;
  }

  async nameTaken(name: string, exceptId?: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM notification_channels WHERE name = $1 AND id IS DISTINCT FROM $2', [
      name,
      exceptId ?? null,
    ]);
    return rows.length > 0;
  }

  async save(
    channel: ChannelConfig & { id: string; name: string; enabled: boolean; secret: string | null },
  ): Promise<NotificationChannel> {
    const [row] = await this.db.query<ChannelRow>(
      `INSERT INTO notification_channels (id, name, type, enabled, config, secret)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, type = EXCLUDED.type, enabled = EXCLUDED.enabled,
         config = EXCLUDED.config, secret = EXCLUDED.secret, updated_at = now()
       RETURNING *`,
      [channel.id, channel.name, channel.type, channel.enabled, JSON.stringify(channel.config), channel.secret],
    );
    return toChannel(row);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM notification_channels WHERE id = $1', [id])) > 0;
  }
}
