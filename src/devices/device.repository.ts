import type { Queryable } from '../common/auth/api-key.repository.js';

/** A stored device credential, without its hashes. */
export interface DeviceRecord {
  id: string;
  /** The MQTT user name. */
  name: string;
  units: string[];
  publishStatus: boolean;
  /** Sparkplug edge nodes (`{group}/{edge node}`) it may speak for. */
  sparkplugNodes: string[];
  createdAt: Date;
  createdBy: string | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

/** An active device with what the broker checks and exports. */
export type DeviceCredential = DeviceRecord & { secretHash: string; mosquittoHash: string };

interface Row {
  id: string;
  name: string;
  units: string[];
  publish_status: boolean;
  sparkplug_nodes: string[];
  secret_hash: string;
  mosquitto_hash: string;
  created_at: Date;
  created_by: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

const toRecord = (row: Row): DeviceRecord => ({
  id: row.id,
  name: row.name,
  units: row.units,
  publishStatus: row.publish_status,
  sparkplugNodes: row.sparkplug_nodes,
  createdAt: row.created_at,
  createdBy: row.created_by,
  revokedAt: row.revoked_at,
  revokedBy: row.revoked_by,
});

/** The `mqtt_devices` table, in plain SQL so the CLI can use it without the application. */
export class DeviceRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts a device; false when an active device has this name already (nothing changed). */
  async insert(device: {
    id: string;
    name: string;
    units: readonly string[];
    publishStatus: boolean;
    sparkplugNodes: readonly string[];
    secretHash: string;
    mosquittoHash: string;
    createdBy: string | null;
  }): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO mqtt_devices (id, name, units, publish_status, secret_hash, mosquitto_hash, created_by, sparkplug_nodes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING RETURNING id`,
      [
        device.id,
        device.name,
        device.units,
        device.publishStatus,
        device.secretHash,
        device.mosquittoHash,
        device.createdBy,
        device.sparkplugNodes,
      ],
    );
    return rows.length === 1;
  }

  async find(id: string): Promise<DeviceRecord | undefined> {
    const rows = await this.db.query<Row>(`SELECT * FROM mqtt_devices WHERE id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(includeRevoked: boolean): Promise<DeviceRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM mqtt_devices ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at, id`,
    );
    return rows.map(toRecord);
  }

  /** Every active device with its hashes: what the embedded broker checks, what the export writes. */
  async active(): Promise<DeviceCredential[]> {
    const rows = await this.db.query<Row>(`SELECT * FROM mqtt_devices WHERE revoked_at IS NULL ORDER BY name`);
    return rows.map((row) => ({ ...toRecord(row), secretHash: row.secret_hash, mosquittoHash: row.mosquitto_hash }));
  }

  /** Revokes the device; the record after it, or undefined when unknown. Revoking twice keeps the first time. */
  async revoke(id: string, by: string | null): Promise<DeviceRecord | undefined> {
    await this.db.query(
      `UPDATE mqtt_devices SET revoked_at = clock_timestamp(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [id, by],
    );
    return this.find(id);
  }
}
