import type { LiveReading, SensorInfo } from './types.js';

/** How far back sparklines reach, and the most points one keeps (a fast simulator sends many per second). */
export const TRAIL_MS = 5 * 60_000;
const TRAIL_MAX_POINTS = 600;

/** Order of the well-known sensor types on a card; others follow alphabetically. */
const ORDER = ['temperature', 'pressure', 'flow_rate', 'power'];

export interface SensorView {
  type: string;
  value?: number;
  /** The state name of a digital or enum value, shown instead of the number. */
  state?: string;
  quality?: LiveReading['quality'];
  /** Epoch ms of the reading shown. */
  time?: number;
  settings?: SensorInfo;
  /** Recent readings for the sparkline: times (epoch ms) and values, oldest first. */
  trail: { t: number[]; v: number[] };
}

export interface UnitView {
  id: string;
  status: string;
  sensors: Map<string, SensorView>;
}

/** What the dashboard knows of the plant: units, their latest values and short trails. No DOM in here. */
export class PlantState {
  readonly units = new Map<string, UnitView>();

  unit(id: string): UnitView {
    let unit = this.units.get(id);
    if (unit === undefined) {
      unit = { id, status: 'unknown', sensors: new Map() };
      this.units.set(id, unit);
    }
    return unit;
  }

  sensor(unitId: string, type: string): SensorView {
    const unit = this.unit(unitId);
    let sensor = unit.sensors.get(type);
    if (sensor === undefined) {
      sensor = { type, trail: { t: [], v: [] } };
      unit.sensors.set(type, sensor);
    }
    return sensor;
  }

  /** Sensors of a unit in display order. */
  sortedSensors(unitId: string): SensorView[] {
    const rank = (type: string): number => {
      const i = ORDER.indexOf(type);
      return i === -1 ? ORDER.length : i;
    };
    return [...this.unit(unitId).sensors.values()].sort(
      (a, b) => rank(a.type) - rank(b.type) || a.type.localeCompare(b.type),
    );
  }

  /**
   * Takes readings in; returns the sensor types whose shown value changed. A reading older than the one shown
   * (late, or a snapshot racing live data) updates neither the value nor the trail.
   */
  apply(unitId: string, readings: readonly LiveReading[]): Set<string> {
    const changed = new Set<string>();
    for (const r of readings) {
      const time = Date.parse(r.timestamp);
      if (Number.isNaN(time)) continue;
      const sensor = this.sensor(unitId, r.sensor_type);
      if (sensor.time !== undefined && time < sensor.time) continue;
      sensor.value = r.value;
      sensor.state = r.state;
      sensor.quality = r.quality;
      sensor.time = time;
      // BAD readings say nothing about the process: they stay out of the trend line.
      if (r.quality !== 'BAD') {
        sensor.trail.t.push(time);
        sensor.trail.v.push(r.value);
      }
      changed.add(r.sensor_type);
    }
    for (const type of changed) trim(this.sensor(unitId, type).trail);
    return changed;
  }

  /**
   * Puts stored history (oldest first) in front of a sensor's trail, so a sparkline starts with the last minutes
   * instead of empty. Only points older than the trail's first are taken: live readings that arrived meanwhile stay.
   */
  prefill(unitId: string, type: string, points: readonly { t: number; v: number }[]): boolean {
    const trail = this.sensor(unitId, type).trail;
    const first = trail.t.length > 0 ? trail.t[0] : Infinity;
    const older = points.filter((p) => p.t < first && Number.isFinite(p.v));
    if (older.length === 0) return false;
    trail.t.unshift(...older.map((p) => p.t));
    trail.v.unshift(...older.map((p) => p.v));
    trim(trail);
    return true;
  }
}

function trim(trail: { t: number[]; v: number[] }): void {
  const cutoff = Date.now() - TRAIL_MS;
  let drop = 0;
  while (drop < trail.t.length && trail.t[drop] < cutoff) drop++;
  drop = Math.max(drop, trail.t.length - TRAIL_MAX_POINTS);
  if (drop > 0) {
    trail.t.splice(0, drop);
    trail.v.splice(0, drop);
  }
}
