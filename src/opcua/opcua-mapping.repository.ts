import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import type { NodeMapping } from './data-change.mapper.js';

interface MappingRow {
  id: string;
  node_id: string;
  unit_id: string;
  sensor_type: string;
  scale_factor: number;
  value_offset: number;
  sampling_interval_ms: number;
  created_at: Date;
}

const COLUMNS = 'id, node_id, unit_id, sensor_type, scale_factor, value_offset, sampling_interval_ms, created_at';

function toMapping(r: MappingRow): NodeMapping {
  return {
    id: r.id,
    nodeId: r.node_id,
    unitId: r.unit_id,
    sensorType: r.sensor_type,
    scaleFactor: Number(r.scale_factor),
    offset: Number(r.value_offset),
    samplingIntervalMs: Number(r.sampling_interval_ms),
    createdAt: new Date(r.created_at),
  };
}

/** What a new mapping would collide with: the same node, or the same sensor. */
export type MappingConflict = { field: 'node_id' | 'sensor'; existing: NodeMapping };

/** OPC UA node mappings (control path: a few rows, read at start-up and changed over REST). */
@Injectable()
export class OpcuaMappingRepository {
  constructor(private readonly db: DatabasePool) {}

  async list(): Promise<NodeMapping[]> {
    const rows = await this.db.query<MappingRow>(`SELECT ${COLUMNS} FROM opcua_node_mappings ORDER BY created_at, id`);
    return rows.map(toMapping);
  }

  /** Inserts the mapping, or returns the existing one it collides with (nothing is written then). */
  async insert(
    m: Omit<NodeMapping, 'id' | 'createdAt'>,
  ): Promise<{ ok: true; mapping: NodeMapping } | MappingConflictResult> {
    const rows = await this.db.query<MappingRow>(
      `INSERT INTO opcua_node_mappings (node_id, unit_id, sensor_type, scale_factor, value_offset, sampling_interval_ms)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [m.nodeId, m.unitId, m.sensorType, m.scaleFactor, m.offset, m.samplingIntervalMs],
    );
    if (rows.length === 1) return { ok: true, mapping: toMapping(rows[0]) };
    const existing = await this.db.query<MappingRow>(
      `SELECT ${COLUMNS} FROM opcua_node_mappings WHERE node_id = $1 OR (unit_id = $2 AND sensor_type = $3) LIMIT 1`,
      [m.nodeId, m.unitId, m.sensorType],
    );
    if (existing.length === 0) throw new Error('Mapping insert conflicted with a row that is gone; retry');
    const found = toMapping(existing[0]);
    return { ok: false, conflict: { field: found.nodeId === m.nodeId ? 'node_id' : 'sensor', existing: found } };
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM opcua_node_mappings WHERE id = $1', [id])) > 0;
  }
}

export interface MappingConflictResult {
  ok: false;
  conflict: MappingConflict;
}
