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
  const fast = parseCanonicalUtc(text);
  if (fast !== undefined) return fast;
  const match = ISO_WITH_ZONE.exec(text);
  if (!match) return NaN;
  const [, year, month, day, fraction] = match;
  const time = Date.parse(fraction === undefined ? text : text.replace(fraction, ''));
  if (Number.isNaN(time) || Number(day) > daysInMonth(Number(year), Number(month))) return NaN;
  return fraction === undefined ? time : time + Number(fraction) * 1000;
}

/** The value of `count` decimal digits of `text` from `at`, or -1 when one of them is not a digit. */
function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The one form most devices and every JavaScript sender (toISOString) use, `YYYY-MM-DDTHH:MM:SS.sssZ`, read without
 * a regular expression or a copy of the text (the general path was 3 % of the backend's CPU in an ingest flood);
 * undefined for any other text, which the general path then judges. Gives the general path's time to the
 * microsecond (it is the more exact of the two: 7 ms, not 7.000000000000001).
 */
function parseCanonicalUtc(text: string): number | undefined {
  if (text.length !== 24 || text[23] !== 'Z' || text[10] !== 'T') return undefined;
  if (text[4] !== '-' || text[7] !== '-' || text[13] !== ':' || text[16] !== ':' || text[19] !== '.') return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const millis = digits(text, 20, 3);
  // Years below 1000 (Date.UTC reads 0-99 as 1900-1999) and anything out of range go the general way.
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millis < 0) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second) + millis;
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
