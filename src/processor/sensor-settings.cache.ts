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
