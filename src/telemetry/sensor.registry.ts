import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import { SensorCatalog } from '../processor/sensor-catalog.js';

/**
 * Database side of the SensorCatalog: loads every known unit and sensor id into it at start-up, so a reading needs
 * no database round trip to find its sensor, and creates the sensors (and units) the processor admitted in one
 * statement per batch that brings any; instances racing to create the same sensor all get its one id
 * (ON CONFLICT … RETURNING).
 */
@Injectable()
export class SensorRegistry {
  constructor(
    private readonly db: DatabasePool,
    private readonly catalog: SensorCatalog,
  ) {}

  async load(): Promise<void> {
    for (const row of await this.db.query<{ id: string }>('SELECT id FROM units')) this.catalog.addUnit(row.id);
    const rows = await this.db.query<{ id: number; unit_id: string; sensor_type: string }>(
      'SELECT id, unit_id, sensor_type FROM sensors',
    );
    for (const row of rows) this.catalog.setId(row.unit_id, row.sensor_type, row.id);
  }

  /** Known sensors. */
  get size(): number {
    return this.catalog.size;
  }

  idOf(unitId: string, sensorType: string): number | undefined {
    return this.catalog.idOf(unitId, sensorType);
  }

  /** Makes sure every (unit, sensor type) pair has a sensor id. Does nothing when all are known. */
  async ensure(pairs: Iterable<{ unitId: string; sensorType: string }>): Promise<void> {
    const missing = new Map<string, { unitId: string; sensorType: string }>();
    for (const p of pairs) {
      if (this.catalog.idOf(p.unitId, p.sensorType) !== undefined) continue;
      const k = p.unitId + '/' + p.sensorType;
      if (!missing.has(k)) missing.set(k, p);
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
    for (const row of rows) this.catalog.setId(row.unit_id, row.sensor_type, row.id);
  }
}
