import { Injectable } from '@nestjs/common';
import type { Quality } from '../common/bus/event-map.js';
import { DatabasePool } from '../common/database/database.pool.js';
import { type Aggregate, BUCKET_ORIGIN_SQL, bucketSource, bucketStart } from './history.plan.js';
import { StoragePolicyService } from './storage-policy.service.js';

/** One stored reading; the time in epoch microseconds (timestamptz's own precision). */
export interface RawRow {
  micros: number;
  value: number;
  quality: Quality;
}

/** One bucket: its start (epoch ms) and the aggregates asked for (others undefined). */
export interface BucketRow {
  ms: number;
  avg?: number;
  min?: number;
  max?: number;
  last?: number;
  count?: number;
}

interface BucketQuery {
  sensorId: number;
  fromMs: number;
  toMs: number;
  bucketSeconds: number;
  aggregates: readonly Aggregate[];
}

/** The stored time in epoch microseconds, exact: extract(epoch) is numeric from PostgreSQL 14 on. */
const MICROS = `(extract(epoch FROM time) * 1000000)::bigint::text`;
/** An epoch-microsecond parameter back to timestamptz without going through a float. */
const FROM_MICROS = (param: string): string => `(TIMESTAMPTZ 'epoch' + ${param}::bigint * INTERVAL '1 microsecond')`;

/**
 * Reads of stored readings for the historian. Every query names one sensor and a time range, so it runs on the
 * (sensor_id, time) primary key; raw pages continue by keyset (time > last sent), never by OFFSET.
 */
@Injectable()
export class TelemetryRepository {
  constructor(
    private readonly db: DatabasePool,
    private readonly storage: StoragePolicyService,
  ) {}

  async unitExists(unitId: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM units WHERE id = $1', [unitId])).length > 0;
  }

  async sensorId(unitId: string, sensorType: string): Promise<number | undefined> {
    const rows = await this.db.query<{ id: number }>('SELECT id FROM sensors WHERE unit_id = $1 AND sensor_type = $2', [
      unitId,
      sensorType,
    ]);
    return rows[0]?.id;
  }

  /**
   * The latest reading of every sensor (of one unit), straight from the database: the fallback while the in-memory
   * table is still being filled after a start. One index probe per sensor on the primary key.
   */
  async latest(unitId?: string): Promise<(RawRow & { unitId: string; sensorType: string })[]> {
    const rows = await this.db.query<{
      unit_id: string;
      sensor_type: string;
      micros: string;
      value: number;
      quality: Quality;
    }>(
      `SELECT s.unit_id, s.sensor_type, r.micros, r.value, r.quality
         FROM sensors s
         CROSS JOIN LATERAL (
           SELECT ${MICROS} AS micros, value, quality FROM sensor_readings
            WHERE sensor_id = s.id ORDER BY time DESC LIMIT 1
         ) r
        ${unitId === undefined ? '' : 'WHERE s.unit_id = $1'}
        ORDER BY s.unit_id, s.sensor_type`,
      unitId === undefined ? [] : [unitId],
    );
    return rows.map((r) => ({
      unitId: r.unit_id,
      sensorType: r.sensor_type,
      micros: Number(r.micros),
      value: r.value,
      quality: r.quality,
    }));
  }

  /** Up to `limit` readings in [fromMs, toMs), after `afterMicros` when given, oldest first. */
  async rawPage(
    sensorId: number,
    fromMs: number,
    toMs: number,
    limit: number,
    afterMicros?: number,
  ): Promise<RawRow[]> {
    const params: unknown[] = [sensorId, new Date(fromMs).toISOString(), new Date(toMs).toISOString(), limit];
    let after = '';
    if (afterMicros !== undefined) {
      params.push(String(afterMicros));
      after = `AND time > ${FROM_MICROS('$5')}`;
    }
    const rows = await this.db.query<{ micros: string; value: number; quality: Quality }>(
      `SELECT ${MICROS} AS micros, value, quality FROM sensor_readings
        WHERE sensor_id = $1 AND time >= $2::timestamptz AND time < $3::timestamptz ${after}
        ORDER BY time LIMIT $4`,
      params,
    );
    return rows.map((r) => ({ micros: Number(r.micros), value: r.value, quality: r.quality }));
  }

  /**
   * Aggregates per bucket, over whole buckets: the first bucket starts at or before `fromMs`, the last ends at or
   * after `toMs`, so every point describes its full bucket, whichever table answers. Buckets without readings
   * are absent.
   */
  async buckets(q: BucketQuery): Promise<{ rows: BucketRow[]; source: string }> {
    const caps = this.storage.capabilities;
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
          // Whole aggregate buckets merge exactly: sums and counts add, extremes take the extreme, last the latest.
          avg: 'sum(value_sum) / sum(value_count)',
          min: 'min(value_min)',
          max: 'max(value_max)',
          last: 'last(value_last, bucket)',
          count: 'sum(value_count)',
        };
    const selected = q.aggregates.map((a) => `${columns[a]} AS "${a}"`).join(', ');
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT (extract(epoch FROM b) * 1000)::float8 AS ms, ${selected}
         FROM (SELECT ${bucketFn}($2::interval, ${timeColumn}, TIMESTAMPTZ '${BUCKET_ORIGIN_SQL}') AS b, *
                 FROM ${source}
                WHERE sensor_id = $1 AND ${timeColumn} >= $3::timestamptz AND ${timeColumn} < $4::timestamptz) r
        GROUP BY b ORDER BY b`,
      [q.sensorId, `${q.bucketSeconds} seconds`, new Date(start).toISOString(), new Date(end).toISOString()],
    );
    return {
      source,
      rows: rows.map((r) => {
        const row: BucketRow = { ms: Number(r.ms) };
        for (const a of q.aggregates) row[a] = r[a] === null ? undefined : Number(r[a]);
        return row;
      }),
    };
  }
}
