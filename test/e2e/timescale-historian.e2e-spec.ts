import type pg from 'pg';
import { bucketQuery } from '../../src/telemetry/bucket.query.js';
import { BackendProcess } from '../support/backend.js';
import { connectDb } from '../support/clients.js';
import { describeWith, timescaleAtPgUrl } from '../support/prerequisites.js';
import { createTarget, type TestTarget } from '../support/target.js';

const TIMESCALE = await timescaleAtPgUrl();

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEP_S = 5;
/** 26 hours of readings, 5 s apart. */
const SPAN_MS = 26 * HOUR;
const PER_SENSOR = SPAN_MS / (STEP_S * SECOND);
/**
 * Midnight UTC five days ago: all readings are in the past, inside the retention, and outside the refresh policies'
 * 3-day window whatever the time of day (the policies are paused below too), so only this file materialises them.
 */
const T0 = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;
/** The continuous aggregates are materialised up to here; later buckets come from real-time aggregation. */
const WATERMARK = T0 + 20 * HOUR;
/** Monday 2000-01-03 UTC, where buckets are counted from (docs/historian.md). */
const ORIGIN = Date.UTC(2000, 0, 3);

/**
 * Two sensors: one whose readings fall exactly on every minute's first instant (a bucket's lower edge, inclusive),
 * and one 1 µs before it (the previous bucket's last instant), so an off-by-one at a bucket edge moves a reading
 * and changes a count. Values are multiples of 0.25, so sums are exact and averages compare for equality.
 */
const SENSORS = [
  { type: 'on_edge', k: 1, offsetMicros: 0 },
  { type: 'before_edge', k: 7, offsetMicros: -1 },
] as const;

interface Reading {
  ms: number;
  value: number;
}

/** The generating formula, in JS: what the SQL below stores. */
function generated(k: number, offsetMicros: number): Reading[] {
  return Array.from({ length: PER_SENSOR }, (_, i) => ({
    ms: T0 + i * STEP_S * SECOND + offsetMicros / 1000,
    value: ((i * 37 + k * 11) % 1000) / 4,
  }));
}

interface Bucket {
  time: string;
  avg: number;
  min: number;
  max: number;
  last: number;
  count: number;
}

/** The raw-table computation, in JS: aggregates over whole buckets aligned to the origin. */
function expectedBuckets(readings: Reading[], fromMs: number, toMs: number, bucketMs: number): Bucket[] {
  const startOf = (ms: number): number => ORIGIN + Math.floor((ms - ORIGIN) / bucketMs) * bucketMs;
  const first = startOf(fromMs);
  const end = startOf(toMs - 1) + bucketMs;
  const groups = new Map<number, Reading[]>();
  for (const r of readings) {
    if (r.ms < first || r.ms >= end) continue;
    const start = startOf(r.ms);
    const group = groups.get(start) ?? [];
    group.push(r);
    groups.set(start, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, rs]) => ({
      time: new Date(start).toISOString(),
      avg: rs.reduce((s, r) => s + r.value, 0) / rs.length,
      min: Math.min(...rs.map((r) => r.value)),
      max: Math.max(...rs.map((r) => r.value)),
      last: rs[rs.length - 1].value,
      count: rs.length,
    }));
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The historian on TimescaleDB (E2E_TARGET=timescale only, see jest.config.js): wide bucketed queries are answered
 * from the continuous aggregates, materialised part and real-time part together, and give exactly what the raw
 * readings give, bucket edges included; EXPLAIN of the repository's own SQL shows which aggregate is read.
 */
describeWith([TIMESCALE], 'historian on TimescaleDB (timescale)', () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client;
  const sensorIds = new Map<string, number>();
  const data = new Map<string, Reading[]>();

  const history = (type: string, query: string) =>
    backend.request<{ bucket: string; points: Bucket[] }>(
      'GET',
      `/api/v1/scada/telemetry/history?unit_id=TS1&sensor_type=${type}&${query}`,
    );

  /** The counter of bucketed queries answered by `source`, from /metrics. */
  async function bucketQueries(source: string): Promise<number> {
    const text = (await backend.request('GET', '/metrics')).text;
    const match = new RegExp(`^scada_historian_bucket_queries_total\\{source="${source}"\\} (\\d+)$`, 'm').exec(text);
    return match === null ? 0 : Number(match[1]);
  }

  /** The plan of the SQL the repository runs for this request (bucket.query.ts), as text. */
  async function plan(sensorId: number, fromMs: number, toMs: number, bucketSeconds: number): Promise<string> {
    const q = bucketQuery(
      { sensorId, fromMs, toMs, bucketSeconds, aggregates: ['avg', 'min', 'max', 'last', 'count'] },
      { timescale: true, continuousAggregates: true },
    );
    const rows = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.sql}`, q.params)).rows;
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  /** The hypertable that holds a continuous aggregate's materialised buckets. */
  async function materialization(view: string): Promise<string> {
    const [row] = (
      await db.query<{ name: string }>(
        `SELECT materialization_hypertable_name AS name FROM timescaledb_information.continuous_aggregates
          WHERE view_schema = current_schema() AND view_name = $1`,
        [view],
      )
    ).rows;
    return row.name;
  }

  /** Matches the name of a chunk of the raw hypertable (materialisations have chunks too, of their own id). */
  async function rawChunk(): Promise<RegExp> {
    const [row] = (
      await db.query<{ id: number }>(
        `SELECT id FROM _timescaledb_catalog.hypertable WHERE schema_name = current_schema() AND table_name = 'sensor_readings'`,
      )
    ).rows;
    return new RegExp(`_hyper_${row.id}_\\d+_chunk`);
  }

  beforeAll(async () => {
    target = await createTarget('ts_historian');
    backend = await BackendProcess.start({ env: { ...target.env, TELEMETRY_RETENTION: '30d' } });
    db = await connectDb(target.databaseUrl);
    // This file's database holds only this backend's jobs: both aggregates' refresh policies are paused.
    const paused = await db.query(
      `SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs
        WHERE proc_name = 'policy_refresh_continuous_aggregate'`,
    );
    expect(paused.rowCount).toBe(2);
    await db.query(`INSERT INTO units (id) VALUES ('TS1')`);
    for (const s of SENSORS) {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO sensors (unit_id, sensor_type) VALUES ('TS1', $1) RETURNING id`,
        [s.type],
      );
      sensorIds.set(s.type, rows[0].id);
      await db.query(
        `INSERT INTO sensor_readings (sensor_id, time, value, quality)
         SELECT $1, $2::timestamptz + i * INTERVAL '${STEP_S} seconds' + $3::int * INTERVAL '1 microsecond',
                ((i * 37 + $4) % 1000) / 4.0, 'GOOD'
           FROM generate_series(0, $5 - 1) i`,
        [rows[0].id, iso(T0), s.offsetMicros, s.k * 11, PER_SENSOR],
      );
      data.set(s.type, generated(s.k, s.offsetMicros));
    }
    // Materialise the first 20 hours only (a refresh cannot run inside a transaction: one statement each).
    for (const view of ['sensor_readings_1m', 'sensor_readings_1h']) {
      await db.query(`CALL refresh_continuous_aggregate('${view}', $1::timestamptz, $2::timestamptz)`, [
        iso(T0 - HOUR),
        iso(WATERMARK),
      ]);
    }
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it('has the aggregates materialised up to the watermark and the newest hours only in the raw table', async () => {
    const materialised = await db.query<{ n: string; last: Date }>(
      `SELECT sum(value_count)::text AS n, max(bucket) AS last FROM _timescaledb_internal.${await materialization('sensor_readings_1m')}
        WHERE sensor_id = $1`,
      [sensorIds.get('on_edge')],
    );
    // Every reading before the watermark is in a materialised bucket, none after it.
    expect(Number(materialised.rows[0].n)).toBe(data.get('on_edge')!.filter((r) => r.ms < WATERMARK).length);
    expect(materialised.rows[0].last.getTime()).toBe(WATERMARK - MINUTE);
  });

  it('answers 24 h in 1-minute buckets from sensor_readings_1m, equal to the raw readings at every bucket edge', async () => {
    // Not aligned to a minute: the first and last buckets are whole and straddle from and to.
    const fromMs = T0 + HOUR + 30 * SECOND;
    const toMs = fromMs + DAY;
    const before = await bucketQueries('sensor_readings_1m');
    for (const s of SENSORS) {
      const res = await history(s.type, `from=${iso(fromMs)}&to=${iso(toMs)}&bucket=1m&agg=avg,min,max,last,count`);
      expect(res.status).toBe(200);
      const expected = expectedBuckets(data.get(s.type)!, fromMs, toMs, MINUTE);
      // The range crosses the watermark: materialised and real-time buckets both take part.
      expect(expected.some((b) => Date.parse(b.time) >= WATERMARK)).toBe(true);
      expect(res.body.points).toEqual(expected);
    }
    expect(await bucketQueries('sensor_readings_1m')).toBe(before + SENSORS.length);
  });

  it('picks the bucket for max_points and still answers from the aggregate, never more points than asked', async () => {
    const fromMs = T0 + 2 * HOUR;
    const toMs = T0 + 26 * HOUR;
    const before = await bucketQueries('sensor_readings_1m');
    const res = await history(
      'before_edge',
      `from=${iso(fromMs)}&to=${iso(toMs)}&max_points=500&agg=avg,min,max,last,count`,
    );
    expect(res.status).toBe(200);
    // 24 h in at most 500 buckets: 5 minutes (288 buckets) is the smallest width on the list that fits.
    expect(res.body.bucket).toBe('5m');
    expect(res.body.points.length).toBeLessThanOrEqual(500);
    expect(res.body.points).toEqual(expectedBuckets(data.get('before_edge')!, fromMs, toMs, 5 * MINUTE));
    expect(await bucketQueries('sensor_readings_1m')).toBe(before + 1);
  });

  it('answers 30 days in 1-hour buckets from sensor_readings_1h, equal to the raw readings', async () => {
    const fromMs = T0 - 27 * DAY;
    const toMs = T0 + 3 * DAY;
    const before = await bucketQueries('sensor_readings_1h');
    const res = await history('on_edge', `from=${iso(fromMs)}&to=${iso(toMs)}&bucket=1h&agg=avg,min,max,last,count`);
    expect(res.status).toBe(200);
    expect(res.body.points).toEqual(expectedBuckets(data.get('on_edge')!, fromMs, toMs, HOUR));
    expect(res.body.points).toHaveLength(26);
    expect(await bucketQueries('sensor_readings_1h')).toBe(before + 1);
  });

  it('reads the raw hypertable for a narrow range, and the numbers agree with the aggregate path', async () => {
    const fromMs = T0 + 19 * HOUR;
    const toMs = T0 + 21 * HOUR;
    const before = await bucketQueries('sensor_readings');
    const res = await history('on_edge', `from=${iso(fromMs)}&to=${iso(toMs)}&bucket=1m&agg=avg,min,max,last,count`);
    expect(res.status).toBe(200);
    expect(res.body.points).toEqual(expectedBuckets(data.get('on_edge')!, fromMs, toMs, MINUTE));
    expect(await bucketQueries('sensor_readings')).toBe(before + 1);
  });

  it("EXPLAIN: the repository's SQL scans the 1-minute aggregate's materialisation, plus raw chunks past the watermark", async () => {
    const sensorId = sensorIds.get('on_edge')!;
    const oneMinute = await materialization('sensor_readings_1m');
    const oneHour = await materialization('sensor_readings_1h');
    const raw = await rawChunk();
    const wide = await plan(sensorId, T0 + HOUR, T0 + 25 * HOUR, 60);
    expect(wide).toContain(oneMinute);
    expect(wide).not.toContain(oneHour);
    // Real-time aggregation: the part past the watermark is aggregated from the hypertable's chunks.
    expect(wide).toMatch(raw);

    const hourly = await plan(sensorId, T0 - 27 * DAY, T0 + 3 * DAY, 3600);
    expect(hourly).toContain(oneHour);
    expect(hourly).not.toContain(oneMinute);
    // Materialised to 20 h after T0, the month ends 3 days after it: the newest hours come from the raw chunks.
    expect(hourly).toMatch(raw);

    const narrow = await plan(sensorId, T0 + 19 * HOUR, T0 + 21 * HOUR, 60);
    expect(narrow).not.toContain(oneMinute);
    expect(narrow).not.toContain(oneHour);
    expect(narrow).toMatch(raw);
  });

  it('a late reading into a materialised bucket shows in wide trends after the next refresh, in narrow ones at once', async () => {
    const sensorId = sensorIds.get('on_edge')!;
    const lateMs = T0 + 2 * HOUR + 2500; // between two generated readings, in a bucket materialised above
    await db.query(
      `INSERT INTO sensor_readings (sensor_id, time, value, quality) VALUES ($1, $2::timestamptz, 9999, 'GOOD')`,
      [sensorId, iso(lateMs)],
    );
    const bucketOf = async (query: string): Promise<Bucket | undefined> =>
      (await history('on_edge', `${query}&agg=max,count`)).body.points.find((p) => p.time === iso(T0 + 2 * HOUR));
    const wide = `from=${iso(T0 + HOUR)}&to=${iso(T0 + 25 * HOUR)}&bucket=1m`;
    const narrow = `from=${iso(T0 + HOUR)}&to=${iso(T0 + 3 * HOUR)}&bucket=1m`;
    // The aggregate answers the wide query: it does not know the reading yet (documented in docs/timescale.md).
    expect(await bucketOf(wide)).toEqual({ time: iso(T0 + 2 * HOUR), max: expect.any(Number), count: 12 });
    expect(await bucketOf(narrow)).toEqual({ time: iso(T0 + 2 * HOUR), max: 9999, count: 13 });
    await db.query(`CALL refresh_continuous_aggregate('sensor_readings_1m', $1::timestamptz, $2::timestamptz)`, [
      iso(T0 + 2 * HOUR),
      iso(T0 + 2 * HOUR + MINUTE),
    ]);
    expect(await bucketOf(wide)).toEqual({ time: iso(T0 + 2 * HOUR), max: 9999, count: 13 });
  });
});
