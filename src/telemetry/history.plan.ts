import {
  checkTimeRange,
  decodeCursor as decodeKeysetCursor,
  encodeCursor as encodeKeysetCursor,
  FOREIGN_CURSOR,
} from '../common/paging.js';

/**
 * Query planning of the historian, pure (no Nest, no I/O): durations and buckets, the bucket that fits a chart's
 * max_points, aggregate lists, page cursors and the checks that turn a bad query into a 400 message. The
 * repository only runs what this decides, so every rule here is unit-tested directly.
 */

/** Seconds per duration unit: `<integer><s|m|h|d>`. */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** Parses `10s`, `15m`, `1h`, `7d` to seconds; undefined for anything else (zero included). */
export function parseDuration(text: string): number | undefined {
  const match = /^([1-9]\d{0,6})([smhd])$/.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

/** The shortest `<integer><unit>` spelling of a whole number of seconds (90 → `90s`, 3600 → `1h`). */
export function formatDuration(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (seconds % UNIT_SECONDS[unit] === 0) return `${seconds / UNIT_SECONDS[unit]}${unit}`;
  }
  return `${seconds}s`;
}

/** A time bucket: its label as the API spells it, and its width. */
export interface Bucket {
  label: string;
  seconds: number;
}

/**
 * Buckets start at multiples of their width counted from this instant (Monday 2000-01-03 00:00 UTC), which is
 * TimescaleDB's default time_bucket origin; date_bin on plain PostgreSQL gets it explicitly, so both paths cut the
 * same buckets (days at UTC midnight, weeks on Mondays).
 */
export const BUCKET_ORIGIN_MS = Date.UTC(2000, 0, 3);
export const BUCKET_ORIGIN_SQL = '2000-01-03 00:00:00+00';

/** The widths max_points chooses from, smallest first: the steps a chart axis reads well. */
export const NICE_BUCKETS: readonly Bucket[] = [
  1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800,
].map((seconds) => ({ label: formatDuration(seconds), seconds }));

/** Limits of a history query. */
export const HISTORY_LIMITS = {
  /** Most points one bucketed answer (or max_points) may have. */
  maxPoints: 10_000,
  /** Widest bucket: one week. */
  maxBucketSeconds: 604_800,
  /** Widest raw range (paged): 31 days. */
  maxRawRangeMs: 31 * 86_400_000,
  /** Widest bucketed range: 10 years (3,653 days). */
  maxBucketedRangeMs: 3653 * 86_400_000,
  /** Raw page size: default and most. */
  defaultLimit: 1000,
  maxLimit: 10_000,
} as const;

/** Parses a bucket parameter; a string is the reason it was refused. */
export function parseBucket(text: string): Bucket | string {
  const seconds = parseDuration(text);
  if (seconds === undefined) return `bucket must be <integer><s|m|h|d> (e.g. 10s, 1m, 15m, 1h, 1d), got '${text}'`;
  if (seconds > HISTORY_LIMITS.maxBucketSeconds) return `bucket must be at most 7d, got '${text}'`;
  return { label: formatDuration(seconds), seconds };
}

/** How many buckets of this width the range [fromMs, toMs) touches (the first and last may start outside it). */
export function bucketCount(fromMs: number, toMs: number, bucketSeconds: number): number {
  const width = bucketSeconds * 1000;
  const first = Math.floor((fromMs - BUCKET_ORIGIN_MS) / width);
  const last = Math.floor((toMs - 1 - BUCKET_ORIGIN_MS) / width);
  return last - first + 1;
}

/** Start of the bucket holding `ms`. */
export function bucketStart(ms: number, bucketSeconds: number): number {
  const width = bucketSeconds * 1000;
  return BUCKET_ORIGIN_MS + Math.floor((ms - BUCKET_ORIGIN_MS) / width) * width;
}

/** The smallest nice bucket that cuts [fromMs, toMs) into at most maxPoints buckets; a string when none does. */
export function chooseBucket(fromMs: number, toMs: number, maxPoints: number): Bucket | string {
  for (const bucket of NICE_BUCKETS) {
    if (bucketCount(fromMs, toMs, bucket.seconds) <= maxPoints) return bucket;
  }
  return `max_points=${maxPoints} is too few for this range even with 7d buckets; ask for more points or a shorter range`;
}

export const AGGREGATES = ['avg', 'min', 'max', 'last', 'count'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const DEFAULT_AGGREGATES: readonly Aggregate[] = ['avg', 'min', 'max'];

/** Parses `avg,min,max`: known names, no repeats, answered in the canonical order; a string is the refusal. */
export function parseAggregates(text: string | undefined): Aggregate[] | string {
  if (text === undefined) return [...DEFAULT_AGGREGATES];
  const names = text.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(AGGREGATES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    return `agg must be a comma-separated list of ${AGGREGATES.join(', ')}; unknown: '${unknown.join("', '")}'`;
  }
  return AGGREGATES.filter((a) => names.includes(a));
}

/** Raw pages continue after the last reading sent: its time in epoch microseconds, opaque to the client. */
export function encodeCursor(afterMicros: number): string {
  return encodeKeysetCursor('r1', [afterMicros]);
}

/** The microsecond time a cursor carries; undefined when it is not one of ours. */
export function decodeCursor(cursor: string): number | undefined {
  const keys = decodeKeysetCursor('r1', cursor, 1);
  if (keys === undefined || !/^-?\d{1,17}$/.test(keys[0])) return undefined;
  const micros = Number(keys[0]);
  return Number.isSafeInteger(micros) ? micros : undefined;
}

/** ISO 8601 of an epoch-microsecond time: milliseconds as usual, six digits when the microseconds are not zero. */
export function isoFromMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString();
  const rest = micros - ms * 1000;
  return rest === 0 ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

/** What a history request asked for, as received (strings are already shape-checked by the DTO). */
export interface HistoryRequest {
  from: string;
  to: string;
  bucket?: string;
  agg?: string;
  maxPoints?: number;
  limit?: number;
  cursor?: string;
}

export type HistoryPlan =
  | { mode: 'raw'; fromMs: number; toMs: number; limit: number; afterMicros?: number }
  | { mode: 'bucketed'; fromMs: number; toMs: number; bucket: Bucket; aggregates: Aggregate[] };

/**
 * Checks a history request and decides how to answer it; a string is the 400 message. A bucket or max_points
 * means bucketed (both given: the explicit bucket, which must then fit max_points); otherwise raw pages.
 */
export function planHistory(req: HistoryRequest): HistoryPlan | string {
  const range = checkTimeRange(req.from, req.to);
  if (typeof range === 'string') return range;
  const fromMs = range.fromMs!;
  const toMs = range.toMs!;
  const bucketed = req.bucket !== undefined || req.maxPoints !== undefined;
  if (!bucketed) {
    if (req.agg !== undefined) return 'agg needs bucket or max_points (raw points have no aggregates)';
    if (toMs - fromMs > HISTORY_LIMITS.maxRawRangeMs) {
      return 'raw history covers at most 31 days per query; narrow from/to, or ask for bucket or max_points';
    }
    const limit = req.limit ?? HISTORY_LIMITS.defaultLimit;
    if (req.cursor === undefined) return { mode: 'raw', fromMs, toMs, limit };
    const afterMicros = decodeCursor(req.cursor);
    if (afterMicros === undefined) return FOREIGN_CURSOR;
    if (afterMicros < fromMs * 1000 || afterMicros >= toMs * 1000) {
      return 'cursor does not belong to this from/to range; start again without it';
    }
    return { mode: 'raw', fromMs, toMs, limit, afterMicros };
  }
  if (req.cursor !== undefined) return 'cursor applies to raw history only; bucketed answers come whole';
  if (req.limit !== undefined) return 'limit applies to raw history only; bucketed answers are bounded by max_points';
  if (toMs - fromMs > HISTORY_LIMITS.maxBucketedRangeMs) return 'bucketed history covers at most 3653 days';
  const aggregates = parseAggregates(req.agg);
  if (typeof aggregates === 'string') return aggregates;
  let bucket: Bucket | string;
  if (req.bucket !== undefined) {
    bucket = parseBucket(req.bucket);
    if (typeof bucket === 'string') return bucket;
    const count = bucketCount(fromMs, toMs, bucket.seconds);
    const cap = req.maxPoints ?? HISTORY_LIMITS.maxPoints;
    if (count > cap) {
      return `bucket ${bucket.label} over this range gives ${count} points, more than ${cap}; use a wider bucket or max_points`;
    }
  } else {
    bucket = chooseBucket(fromMs, toMs, req.maxPoints!);
    if (typeof bucket === 'string') return bucket;
  }
  return { mode: 'bucketed', fromMs, toMs, bucket, aggregates };
}

/** Continuous aggregates (TimescaleDB), widest first: the view name and the width of its buckets. */
export const CONTINUOUS_AGGREGATES = [
  { view: 'sensor_readings_1h', seconds: 3600 },
  { view: 'sensor_readings_1m', seconds: 60 },
] as const;

/** Below this range the raw table is cheap enough, and exact even for readings that arrived very late. */
export const CAGG_MIN_RANGE_MS = 6 * 3_600_000;

/**
 * Where a bucketed query reads from: a continuous aggregate when TimescaleDB has them, the range is wide and the
 * bucket is a whole multiple of the aggregate's (so each answer bucket is a union of whole aggregate buckets),
 * otherwise the readings themselves.
 */
export function bucketSource(
  bucketSeconds: number,
  rangeMs: number,
  continuousAggregates: boolean,
): 'sensor_readings' | (typeof CONTINUOUS_AGGREGATES)[number]['view'] {
  if (!continuousAggregates || rangeMs < CAGG_MIN_RANGE_MS) return 'sensor_readings';
  for (const cagg of CONTINUOUS_AGGREGATES) if (bucketSeconds % cagg.seconds === 0) return cagg.view;
  return 'sensor_readings';
}
