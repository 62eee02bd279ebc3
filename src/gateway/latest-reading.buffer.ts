import type { LiveReading } from './live-reading.js';

/**
 * What a client that is behind has not been sent yet, reduced to the latest reading per unit and sensor: its size
 * is bounded by the sensors of the units it watches, however long it stays behind and however fast they report.
 * A reading replaces the held one only if it is not older (the same rule as LatestValues). Pure.
 */
export class LatestReadingBuffer {
  private readonly units = new Map<string, Map<string, LiveReading>>();
  private held = 0;

  /** Adds readings; returns how many held readings they replaced (intermediate values the client will never see). */
  add(unitId: string, readings: readonly LiveReading[]): number {
    let sensors = this.units.get(unitId);
    if (sensors === undefined) {
      sensors = new Map();
      this.units.set(unitId, sensors);
    }
    let replaced = 0;
    for (const r of readings) {
      const held = sensors.get(r.sensor_type);
      if (held === undefined) {
        sensors.set(r.sensor_type, r);
        this.held++;
      } else {
        replaced++;
        if (r.timestamp >= held.timestamp) sensors.set(r.sensor_type, r);
      }
    }
    return replaced;
  }

  /** Forgets a unit (the client left its room); returns how many readings were dropped. */
  forget(unitId: string): number {
    const sensors = this.units.get(unitId);
    if (sensors === undefined) return 0;
    this.units.delete(unitId);
    this.held -= sensors.size;
    return sensors.size;
  }

  /** Empties the buffer, handing out one `sensor_data` payload per unit. */
  drain(): { unit_id: string; readings: LiveReading[] }[] {
    const out = [...this.units].map(([unit_id, sensors]) => ({ unit_id, readings: [...sensors.values()] }));
    this.units.clear();
    this.held = 0;
    return out;
  }

  /** Readings held. */
  get size(): number {
    return this.held;
  }
}
