import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';

const key = (unitId: string, sensorType: string): string => unitId + '/' + sensorType;

/**
 * Sensor ids by unit and type, held in memory so a reading needs no database round trip to find its sensor.
 * Unknown sensors (and their units) are created in one statement per batch that brings any; instances
 * racing to create the same sensor all get its one id (ON CONFLICT … RETURNING).
 */
@Injectable()
export class SensorRegistry {
  private readonly ids = new Map<string, number>();

  constructor(private readonly db: DatabasePool) {}

  async load(): Promise<void> {
    const rows = await this.db.query<{ id: number; unit_id: string; sensor_type: string }>(
      'SELECT id, unit_id, sensor_type FROM sensors',
    );
    for (const row of rows) this.ids.set(key(row.unit_id, row.sensor_type), row.id);
  }

  get size(): number {
    return this.ids.size;
  }

  idOf(unitId: string, sensorType: string): number | undefined {
    return this.ids.get(key(unitId, sensorType));
  }

  /** Makes sure every (unit, sensor type) pair has a sensor id. Does nothing when all are known. */
  async ensure(pairs: Iterable<{ unitId: string; sensorType: string }>): Promise<void> {
    const missing = new Map<string, { unitId: string; sensorType: string }>();
    for (const p of pairs) {
      const k = key(p.unitId, p.sensorType);
      if (!this.ids.has(k) && !missing.has(k)) missing.set(k, p);
    }
    if (missing.size === 0) return;
    const units = [...new Set([...missing.values()].map((p) => p.unitId))];
    await this.db.execute('INSERT INTO units (id) SELECT unnest($1::varchar[]) ON CONFLICT (id) DO NOTHING', [units]);
    const rows = await this.db.query<{ id: number; unit_id: string; sensor_type: string }>(
      `INSERT INTO sensors (unit_id, sensor_type)
       SELECT * FROM unnest($1::varchar[], $2::varchar[])
       ON CONFLICT (unit_id, sensor_type) DO UPDATE SET sensor_type = EXCLUDED.sensor_type
       RETURNING id, unit_id, sensor_type`,
      [[...missing.values()].map((p) => p.unitId), [...missing.values()].map((p) => p.sensorType)],
    );
    for (const row of rows) this.ids.set(key(row.unit_id, row.sensor_type), row.id);
  }
}
