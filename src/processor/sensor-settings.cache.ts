import { Injectable } from '@nestjs/common';
import { DEFAULT_SENSOR_SETTINGS, type SensorSettings } from './sensor-settings.js';

const key = (unitId: string, sensorType: string): string => unitId + '/' + sensorType;

/**
 * Every sensor's settings, in memory, so the processor applies them with a map lookup per reading and no database
 * round trip. Keyed by unit and sensor type, not by id: the processor runs before the writer has resolved (or
 * created) a new sensor's id, and a sensor nobody configured has the defaults anyway.
 *
 * Filled and kept current by SensorSettingsSync (telemetry/): at start-up, on every change made through this
 * instance's API (at once), and by a periodic look at what other instances changed.
 */
@Injectable()
export class SensorSettingsCache {
  private readonly entries = new Map<string, { settings: SensorSettings; updatedAt: number }>();

  get(unitId: string, sensorType: string): SensorSettings {
    return this.entries.get(key(unitId, sensorType))?.settings ?? DEFAULT_SENSOR_SETTINGS;
  }

  /** The state name of a digital or enum point's value; undefined for analog points and unnamed values. */
  stateName(unitId: string, sensorType: string, value: number): string | undefined {
    return this.get(unitId, sensorType).states?.nameOf(value);
  }

  /** The settings of every sensor of a type (of one unit, or of all units when unitId is null). Management path. */
  *ofType(sensorType: string, unitId: string | null): Iterable<SensorSettings> {
    if (unitId !== null) {
      const entry = this.entries.get(key(unitId, sensorType));
      if (entry) yield entry.settings;
      return;
    }
    const suffix = '/' + sensorType;
    for (const [k, entry] of this.entries) if (k.endsWith(suffix)) yield entry.settings;
  }

  /**
   * Takes a sensor's settings as of `updatedAt` (epoch ms of their last change), unless the cache already holds
   * a later version: a refresh that read the row just before a PATCH committed must not undo that PATCH.
   */
  put(unitId: string, sensorType: string, settings: SensorSettings, updatedAt: number): void {
    const k = key(unitId, sensorType);
    const current = this.entries.get(k);
    if (current && current.updatedAt > updatedAt) return;
    this.entries.set(k, { settings, updatedAt });
  }

  get size(): number {
    return this.entries.size;
  }
}
