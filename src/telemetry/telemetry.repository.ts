import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Quality } from '../common/bus/event-map.js';
import { DatabasePool } from '../common/database/database.pool.js';
import { FeatureRegistry, type MetricSample } from '../common/feature/feature.registry.js';
import { type BucketQuery, bucketQuery } from './bucket.query.js';
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

/** The stored time in epoch microseconds, exact: extract(epoch) is numeric from PostgreSQL 14 on. */
const MICROS = `(extract(epoch FROM time) * 1000000)::bigint::text`;
/** An epoch-microsecond parameter back to timestamptz without going through a float. */
const FROM_MICROS = (param: string): string => `(TIMESTAMPTZ 'epoch' + ${param}::bigint * INTERVAL '1 microsecond')`;

/**
 * Reads of stored readings for the historian. Every query names one sensor and a time range, so it runs on the
 * (sensor_id, time) primary key; raw pages continue by keyset (time > last sent), never by OFFSET.
 */
@Injectable()
export class TelemetryRepository implements OnModuleInit {
  /** Bucketed queries answered so far, by what answered them: the raw table or a continuous aggregate. */
  private readonly bucketQueriesBySource = new Map<string, number>();

  constructor(
    private readonly db: DatabasePool,
    private readonly storage: StoragePolicyService,
    private readonly metrics: FeatureRegistry,
  ) {}

  onModuleInit(): void {
    this.metrics.register('historian_queries', () => this.samples());
  }

  /** /metrics samples: operators see whether wide trends are served from the continuous aggregates. */
  private samples(): MetricSample[] {
    return [...this.bucketQueriesBySource].map(([source, value]) => ({
      name: 'scada_historian_bucket_queries_total',
      help: 'Bucketed history queries, by the table or continuous aggregate that answered them',
      type: 'counter',
      value,
      labels: { source },
    }));
  }

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

  /** Aggregates per bucket over whole buckets (bucket.query.ts); buckets without readings are absent. */
  async buckets(q: BucketQuery): Promise<{ rows: BucketRow[]; source: string }> {
    const { sql, params, source } = bucketQuery(q, this.storage.capabilities);
    const rows = await this.db.query<Record<string, unknown>>(sql, params);
    this.bucketQueriesBySource.set(source, (this.bucketQueriesBySource.get(source) ?? 0) + 1);
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
