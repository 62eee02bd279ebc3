import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import type { MappingOverride } from './sparkplug-overrides.js';

interface Row {
  id: string;
  group_id: string;
  edge_node_id: string;
  device_id: string;
  unit_id: string;
  metrics: Record<string, string> | string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, group_id, edge_node_id, device_id, unit_id, metrics, created_at, updated_at';

/** An override without its id and times, as the API gives it. */
export type MappingOverrideInput = Pick<MappingOverride, 'groupId' | 'edgeNodeId' | 'deviceId' | 'unitId' | 'metrics'>;

function toOverride(r: Row): MappingOverride {
  return {
    id: r.id,
    groupId: r.group_id,
    edgeNodeId: r.edge_node_id,
    deviceId: r.device_id === '' ? undefined : r.device_id,
    unitId: r.unit_id,
    metrics: typeof r.metrics === 'string' ? (JSON.parse(r.metrics) as Record<string, string>) : r.metrics,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

function values(o: MappingOverrideInput): unknown[] {
  return [o.groupId, o.edgeNodeId, o.deviceId ?? '', o.unitId, JSON.stringify(o.metrics)];
}

/** Sparkplug mapping overrides (control path: read at start-up, changed over REST). */
@Injectable()
export class SparkplugMappingRepository {
  constructor(private readonly db: DatabasePool) {}

  async list(): Promise<MappingOverride[]> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM sparkplug_mappings ORDER BY created_at, id`);
    return rows.map(toOverride);
  }

  /** Inserts the override; undefined when its node/device or its unit has one already (nothing is written then). */
  async insert(o: MappingOverrideInput): Promise<MappingOverride | undefined> {
    const rows = await this.db.query<Row>(
      `INSERT INTO sparkplug_mappings (group_id, edge_node_id, device_id, unit_id, metrics)
       VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      values(o),
    );
    return rows.length === 1 ? toOverride(rows[0]) : undefined;
  }

  /** Replaces an override; undefined when it is gone or its new node/device or unit belongs to another one. */
  async update(id: string, o: MappingOverrideInput): Promise<MappingOverride | undefined> {
    const rows = await this.db.query<Row>(
      `UPDATE sparkplug_mappings SET group_id = $1, edge_node_id = $2, device_id = $3, unit_id = $4,
              metrics = $5::jsonb, updated_at = now()
        WHERE id = $6 AND NOT EXISTS (
          SELECT 1 FROM sparkplug_mappings o WHERE o.id <> $6
             AND (o.unit_id = $4 OR (o.group_id = $1 AND o.edge_node_id = $2 AND o.device_id = $3)))
       RETURNING ${COLUMNS}`,
      [...values(o), id],
    );
    return rows.length === 1 ? toOverride(rows[0]) : undefined;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM sparkplug_mappings WHERE id = $1', [id])) > 0;
  }
}
