import type { PointKind, StateTable } from './point-kind.js';

/** How the processor turns a sensor's raw values into engineering values, and which of those are plausible. */
export interface SensorSettings {
  /** Raw values are multiplied by this (never 0). */
  readonly scaleFactor: number;
  /** Then this is added. */
  readonly offset: number;
  /** Smallest plausible engineering value (inclusive), or null for no lower bound. */
  readonly validMin: number | null;
  /** Largest plausible engineering value (inclusive), or null for no upper bound. */
  readonly validMax: number | null;
  /** What the number means; analog when absent (see point-kind.ts). */
  readonly kind?: PointKind;
  /** State names of a digital or enum point; absent or null for analog. Scale, offset and range then do not apply. */
  readonly states?: StateTable | null;
}

/** Settings of a sensor nobody has configured: values pass through unchanged and every value is plausible. */
export const DEFAULT_SENSOR_SETTINGS: SensorSettings = Object.freeze({
  scaleFactor: 1,
  offset: 0,
  validMin: null,
  validMax: null,
  kind: 'analog',
  states: null,
});

/** value × scale_factor + offset. Exact for the defaults (x × 1 + 0 = x), so unconfigured sensors lose nothing. */
export function engineeringValue(value: number, settings: SensorSettings): number {
  return value * settings.scaleFactor + settings.offset;
}

/** Whether an engineering value lies in the valid range (bounds inclusive; a null bound does not limit). */
export function inValidRange(value: number, settings: SensorSettings): boolean {
  return (
    (settings.validMin === null || value >= settings.validMin) &&
    (settings.validMax === null || value <= settings.validMax)
  );
}

/**
 * What is wrong with a complete set of settings, as a message for the user, or undefined when they are usable.
 * Checked on the merged result of a partial update, so a PATCH of one bound is judged against the other.
 */
export function settingsProblem(settings: SensorSettings): string | undefined {
  const { scaleFactor, offset, validMin, validMax } = settings;
  if (!Number.isFinite(scaleFactor)) return 'scale_factor must be a finite number';
  if (scaleFactor === 0) return 'scale_factor must not be 0: every reading would become the offset';
  if (!Number.isFinite(offset)) return 'offset must be a finite number';
  if (validMin !== null && !Number.isFinite(validMin)) return 'valid_min must be a finite number or null';
  if (validMax !== null && !Number.isFinite(validMax)) return 'valid_max must be a finite number or null';
  if (validMin !== null && validMax !== null && validMin >= validMax) {
    return `valid_min (${validMin}) must be less than valid_max (${validMax})`;
  }
  return undefined;
}
