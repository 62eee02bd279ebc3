import type { ProcessedReading, Quality } from '../common/bus/event-map.js';

/** The most recent reading of one sensor. */
export interface LatestValue {
  sensorType: string;
  value: number;
  quality: Quality;
  /** Epoch milliseconds; the fraction carries microseconds. */
  time: number;
}

/**
 * Last value per sensor, per unit: what a freshly opened screen shows before the next reading arrives. A reading
 * replaces the held one only if it is not older, so late or redelivered readings do not move a value backwards.
 * Pure: the service around it feeds it from the pipeline and, after a restart, from the database.
 */
export class LatestValueTable {
  private readonly units = new Map<string, Map<string, LatestValue>>();

  /** Takes in a batch of processed readings. */
  update(readings: readonly ProcessedReading[]): void {
    for (const r of readings) this.offer(r.unitId, r.sensorType, r.value, r.quality, r.time);
  }

  /** Takes one value unless the table already holds a newer one for that sensor. */
  offer(unitId: string, sensorType: string, value: number, quality: Quality, time: number): void {
    let sensors = this.units.get(unitId);
    if (sensors === undefined) {
      sensors = new Map();
      this.units.set(unitId, sensors);
    }
    const held = sensors.get(sensorType);
    if (held !== undefined && held.time > time) return;
    if (held === undefined) sensors.set(sensorType, { sensorType, value, quality, time });
    else {
      held.value = value;
      held.quality = quality;
      held.time = time;
    }
  }

  /** The unit's sensors with their latest values, sorted by sensor type; undefined for a unit never seen. */
  unit(unitId: string): LatestValue[] | undefined {
    const sensors = this.units.get(unitId);
    if (sensors === undefined) return undefined;
    return [...sensors.values()].map((v) => ({ ...v })).sort((a, b) => a.sensorType.localeCompare(b.sensorType));
  }

  has(unitId: string): boolean {
    return this.units.has(unitId);
  }

  /** Unit ids, sorted. */
  unitIds(): string[] {
    return [...this.units.keys()].sort();
  }

  /** Sensors held, over all units. */
  get size(): number {
    let n = 0;
    for (const sensors of this.units.values()) n += sensors.size;
    return n;
  }
}
