import type {
  ProcessedReading,
  ProcessedUnitStatus,
  Quality,
  RawReading,
  RawUnitStatus,
} from '../common/bus/event-map.js';
import type { RejectReason } from '../pipeline/pipeline-stats.js';
import { qualityOf } from './quality.rules.js';
import { DEFAULT_SENSOR_SETTINGS, engineeringValue, inValidRange, type SensorSettings } from './sensor-settings.js';

/** Epoch numbers below this are seconds, at or above it milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
export const EPOCH_SECONDS_LIMIT = 1e11;

/** ISO 8601 date-time with an explicit zone (Z or ±hh:mm); a zoneless time would be read in the server's zone. */
const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/**
 * Epoch milliseconds of an ISO 8601 time with zone, keeping digits past the millisecond, or NaN.
 * Date.parse alone would roll impossible days over (Feb 30 → Mar 1) and drop the microseconds, so readings
 * microseconds apart would share one (sensor, time) key and all but one would be lost.
 */
function parseIso(text: string): number {
  const match = ISO_WITH_ZONE.exec(text);
  if (!match) return NaN;
  const [, year, month, day, fraction] = match;
  const time = Date.parse(fraction === undefined ? text : text.replace(fraction, ''));
  if (Number.isNaN(time) || Number(day) > daysInMonth(Number(year), Number(month))) return NaN;
  return fraction === undefined ? time : time + Number(fraction) * 1000;
}

export interface NormalizerLimits {
  /** Largest accepted distance into the future, in ms (sender clock skew). */
  maxFutureMs: number;
  /** Largest accepted age, in ms. */
  maxAgeMs: number;
}

/**
 * Turns a source's timestamp into epoch milliseconds (with microsecond fraction), or a reason.
 * Rules: ISO 8601 with zone; epoch seconds or milliseconds by EPOCH_SECONDS_LIMIT; absent → arrival time.
 */
export function timeOf(
  raw: { timestamp?: string | number; receivedAt: number },
  limits: NormalizerLimits,
  now: number,
): number | RejectReason {
  let time: number;
  if (raw.timestamp === undefined) {
    time = raw.receivedAt;
  } else if (typeof raw.timestamp === 'number') {
    if (!Number.isFinite(raw.timestamp) || raw.timestamp < 0) return 'timestamp_invalid';
    time = raw.timestamp < EPOCH_SECONDS_LIMIT ? raw.timestamp * 1000 : raw.timestamp;
  } else {
    time = parseIso(raw.timestamp.trim());
    if (Number.isNaN(time)) return 'timestamp_invalid';
  }
  if (time > now + limits.maxFutureMs) return 'timestamp_in_future';
  if (time < now - limits.maxAgeMs) return 'timestamp_too_old';
  return Math.round(time * 1000) / 1000;
}

/**
 * Validates and normalises one reading, then applies its sensor's settings: the stored value is
 * value × scale_factor + offset, and one outside the valid range is kept with quality BAD (the sensor spoke; what
 * it said is not plausible). A digital or enum point keeps its value as sent and gets its state's name; a value its
 * state table does not name is kept with quality at most UNCERTAIN (the device is alive, its state unknown) and no
 * name. Pure: the clock and the settings are parameters.
 */
export function normalizeReading(
  raw: RawReading,
  limits: NormalizerLimits,
  now: number,
  settings: SensorSettings = DEFAULT_SENSOR_SETTINGS,
): ProcessedReading | RejectReason {
  const sent = qualityOf(raw.quality);
  if (sent === undefined) return 'quality_unknown';
  const time = timeOf(raw, limits, now);
  if (typeof time === 'string') return time;
  const reading = normalizeValue(raw, time, sent, settings);
  if (typeof reading !== 'string' && raw.historical === true) reading.historical = true;
  return reading;
}

function normalizeValue(
  raw: RawReading,
  time: number,
  sent: Quality,
  settings: SensorSettings,
): ProcessedReading | RejectReason {
  const states = settings.states;
  if (raw.stateName !== undefined) {
    // Rare (text from a source that names states): the one path that allocates a copy.
    const value = states?.valueOf(raw.stateName);
    if (value === undefined) return 'state_name_unknown';
    raw = { ...raw, value, stateName: undefined };
  }
  if (states) {
    const state = states.nameOf(raw.value);
    const quality = state === undefined && sent === 'GOOD' ? 'UNCERTAIN' : sent;
    return {
      unitId: raw.unitId,
      sensorType: raw.sensorType,
      value: raw.value,
      quality,
      time,
      source: raw.source,
      state,
    };
  }
  const value = engineeringValue(raw.value, settings);
  // Only a huge raw value times a scale can get here; neither the database nor JSON can carry the result.
  if (!Number.isFinite(value)) return 'value_overflow';
  const quality = inValidRange(value, settings) ? sent : 'BAD';
  return { unitId: raw.unitId, sensorType: raw.sensorType, value, quality, time, source: raw.source, state: undefined };
}

/** Whether a processed reading of a digital or enum point carries a value its state table does not name. */
export function isUnknownState(reading: ProcessedReading, settings: SensorSettings): boolean {
  return reading.state === undefined && settings.states !== undefined && settings.states !== null;
}

/** Validates a unit status's time by the same rules as a reading's. Pure: the clock is a parameter. */
export function normalizeUnitStatus(
  raw: RawUnitStatus,
  limits: NormalizerLimits,
  now: number,
): ProcessedUnitStatus | RejectReason {
  const time = timeOf(raw, limits, now);
  if (typeof time === 'string') return time;
  return { unitId: raw.unitId, status: raw.status, time, source: raw.source };
}
