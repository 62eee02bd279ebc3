import type { ProcessedReading, RawReading } from '../common/bus/event-map.js';
import type { RejectReason } from '../common/metrics/pipeline-stats.js';
import { qualityOf } from './quality.rules.js';

/** Epoch numbers below this are seconds, at or above it milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
export const EPOCH_SECONDS_LIMIT = 1e11;

/** ISO 8601 date-time with an explicit zone (Z or ±hh:mm); a zoneless time would be read in the server's zone. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

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
export function timeOf(raw: RawReading, limits: NormalizerLimits, now: number): number | RejectReason {
  let time: number;
  if (raw.timestamp === undefined) {
    time = raw.receivedAt;
  } else if (typeof raw.timestamp === 'number') {
    if (!Number.isFinite(raw.timestamp) || raw.timestamp < 0) return 'timestamp_invalid';
    time = raw.timestamp < EPOCH_SECONDS_LIMIT ? raw.timestamp * 1000 : raw.timestamp;
  } else {
    const text = raw.timestamp.trim();
    if (!ISO_WITH_ZONE.test(text)) return 'timestamp_invalid';
    time = Date.parse(text);
    if (Number.isNaN(time)) return 'timestamp_invalid';
  }
  if (time > now + limits.maxFutureMs) return 'timestamp_in_future';
  if (time < now - limits.maxAgeMs) return 'timestamp_too_old';
  return Math.round(time * 1000) / 1000;
}

/** Validates and normalises one reading. Pure: the clock is a parameter. */
export function normalizeReading(
  raw: RawReading,
  limits: NormalizerLimits,
  now: number,
): ProcessedReading | RejectReason {
  const quality = qualityOf(raw.quality);
  if (quality === undefined) return 'quality_unknown';
  const time = timeOf(raw, limits, now);
  if (typeof time === 'string') return time;
  return { unitId: raw.unitId, sensorType: raw.sensorType, value: raw.value, quality, time, source: raw.source };
}
