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
    await this.upsert([...missing.values()]);
  }

  /**
   * Reads these sensors' ids again from the database (creating a sensor that is gone, as for a new one): a cached id
   * whose row was deleted meanwhile (a foreign-key violation on write) heals here.
   */
  async refresh(pairs: Iterable<{ unitId: string; sensorType: string }>): Promise<void> {
    const unique = new Map<string, { unitId: string; sensorType: string }>();
    for (const p of pairs) unique.set(p.unitId + '/' + p.sensorType, { unitId: p.unitId, sensorType: p.sensorType });
    await this.upsert([...unique.values()]);
  }

  /** Creates the units and sensors that do not exist yet and records every pair's id, in two statements. */
  private async upsert(pairs: { unitId: string; sensorType: string }[]): Promise<void> {
    if (pairs.length === 0) return;
    const units = [...new Set(pairs.map((p) => p.unitId))];
    await this.db.execute('INSERT INTO units (id) SELECT unnest($1::varchar[]) ON CONFLICT (id) DO NOTHING', [units]);
    const rows = await this.db.query<{ id: number; unit_id: string; sensor_type: string }>(
      `INSERT INTO sensors (unit_id, sensor_type)
       SELECT * FROM unnest($1::varchar[], $2::varchar[])
       ON CONFLICT (unit_id, sensor_type) DO UPDATE SET sensor_type = EXCLUDED.sensor_type
       RETURNING id, unit_id, sensor_type`,
      [pairs.map((p) => p.unitId), pairs.map((p) => p.sensorType)],
    );
    for (const row of rows) this.catalog.setId(row.unit_id, row.sensor_type, row.id);
  }
}
