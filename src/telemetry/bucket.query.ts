import { type Aggregate, BUCKET_ORIGIN_SQL, bucketSource, bucketStart } from './history.plan.js';

/** A bucketed history request, already planned (history.plan.ts). */
export interface BucketQuery {
  sensorId: number;
  fromMs: number;
  toMs: number;
  bucketSeconds: number;
  aggregates: readonly Aggregate[];
}

/** What the database offers the query (StorageCapabilities, the two fields it needs). */
export interface BucketQueryCapabilities {
  timescale: boolean;
  continuousAggregates: boolean;
}

/** The SQL of one bucketed query, its parameters, and the table or continuous aggregate it reads. */
export interface BucketSql {
  sql: string;
  params: unknown[];
  source: ReturnType<typeof bucketSource>;
}

/**
 * The SQL of a bucketed history query, pure so that specs can EXPLAIN exactly what the repository runs.
 *
 * Always over whole buckets: the first bucket starts at or before `fromMs`, the last ends at or after `toMs`, so
 * every point describes its full bucket, whichever source answers. From a continuous aggregate (TimescaleDB, wide
 * range, bucket a multiple of 1 minute or 1 hour) the answer bucket is the union of whole aggregate buckets, which
 * merge exactly: sums and counts add, extremes take the extreme, last the latest. The aggregates are real-time
 * (materialized_only = false): TimescaleDB adds the raw readings past the last refresh, so the newest buckets are
 * complete too. Output columns: `ms` (bucket start, epoch ms) and one column per aggregate asked for.
 */
export function bucketQuery(q: BucketQuery, caps: BucketQueryCapabilities): BucketSql {
  const source = bucketSource(q.bucketSeconds, q.toMs - q.fromMs, caps.continuousAggregates);
  const start = bucketStart(q.fromMs, q.bucketSeconds);
  const end = bucketStart(q.toMs - 1, q.bucketSeconds) + q.bucketSeconds * 1000;
  const bucketFn = caps.timescale ? 'time_bucket' : 'date_bin';
  const fromTable = source === 'sensor_readings';
  const timeColumn = fromTable ? 'time' : 'bucket';
  const columns: Record<Aggregate, string> = fromTable
    ? {
        avg: 'avg(value)',
        min: 'min(value)',
        max: 'max(value)',
        // Timescale's last() reads the value at the greatest time; plain PostgreSQL has no such aggregate.
        last: caps.timescale ? 'last(value, time)' : '(array_agg(value ORDER BY time DESC))[1]',
        count: 'count(*)',
      }
    : {
        avg: 'sum(value_sum) / sum(value_count)',
        min: 'min(value_min)',
        max: 'max(value_max)',
        last: 'last(value_last, bucket)',
        count: 'sum(value_count)',
      };
  const selected = q.aggregates.map((a) => `${columns[a]} AS "${a}"`).join(', ');
  return {
    source,
    sql: `SELECT (extract(epoch FROM b) * 1000)::float8 AS ms, ${selected}
         FROM (SELECT ${bucketFn}($2::interval, ${timeColumn}, TIMESTAMPTZ '${BUCKET_ORIGIN_SQL}') AS b, *
                 FROM ${source}
                WHERE sensor_id = $1 AND ${timeColumn} >= $3::timestamptz AND ${timeColumn} < $4::timestamptz) r
        GROUP BY b ORDER BY b`,
    params: [q.sensorId, `${q.bucketSeconds} seconds`, new Date(start).toISOString(), new Date(end).toISOString()],
  };
}
