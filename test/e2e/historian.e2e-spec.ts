import type pg from 'pg';
import { BackendProcess } from '../support/backend.js';
import { connectDb } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

/** One generated reading, as the test expects it back. */
interface Reading {
  /** Epoch microseconds. */
  micros: number;
  value: number;
  quality: 'GOOD' | 'UNCERTAIN' | 'BAD';
}

interface RawBody {
  unit_id: string;
  sensor_type: string;
  from: string;
  to: string;
  bucket: null;
  points: { time: string; value: number; quality: string }[];
  next_cursor: string | null;
}

interface BucketBody {
  bucket: string;
  bucket_seconds: number;
  points: Record<string, number | string>[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEP_S = 10;
/** Three days of readings, 10 s apart, ending before now: history over several days. */
const DAYS = 3;
const PER_SENSOR = (DAYS * DAY) / (STEP_S * 1000);
/** Midnight UTC four days ago: the generated days are all in the past and inside the retention. */
const T0 = Math.floor(Date.now() / DAY) * DAY - 4 * DAY;
/** Monday 2000-01-03 UTC, where buckets are counted from (the API documents it). */
const ORIGIN = Date.UTC(2000, 0, 3);

/**
 * The sensors the test generates with SQL. `offsetMicros` moves every reading of a sensor off the millisecond grid,
 * to check that times come back with their microseconds. Values are multiples of 0.25, so sums are exact in
 * binary floating point and the database's averages can be compared for equality.
 */
const SENSORS = [
  { unit: 'H1', type: 'temperature', k: 1, offsetMicros: 0 },
  { unit: 'H1', type: 'pressure', k: 2, offsetMicros: 0 },
  { unit: 'H2', type: 'temperature', k: 3, offsetMicros: 123_456 },
] as const;

/** The generating formula, written a second time in JS: what the SQL below must have stored. */
function generated(k: number, offsetMicros: number): Reading[] {
  return Array.from({ length: PER_SENSOR }, (_, i) => ({
    micros: (T0 + i * STEP_S * 1000) * 1000 + offsetMicros,
    value: ((i * 37 + k * 11) % 1000) / 4,
    quality: i % 97 === 0 ? 'BAD' : i % 89 === 0 ? 'UNCERTAIN' : 'GOOD',
  }));
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** ISO time of a microsecond instant: the API writes six fraction digits when there are microseconds. */
function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const extra = micros % 1000;
  return extra === 0 ? iso(ms) : iso(ms).replace('Z', `${String(extra).padStart(3, '0')}Z`);
}

/** Aggregates over whole buckets, computed from the readings in JS. */
function expectedBuckets(readings: Reading[], fromMs: number, toMs: number, bucketSeconds: number) {
  const width = bucketSeconds * 1000;
  const startOf = (ms: number): number => ORIGIN + Math.floor((ms - ORIGIN) / width) * width;
  const first = startOf(fromMs);
  const end = startOf(toMs - 1) + width;
  const groups = new Map<number, Reading[]>();
  for (const r of readings) {
    const ms = r.micros / 1000;
    if (ms < first || ms >= end) continue;
    const start = startOf(ms);
    if (!groups.has(start)) groups.set(start, []);
    groups.get(start)!.push(r);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, rs]) => ({
      time: iso(start),
      avg: rs.reduce((s, r) => s + r.value, 0) / rs.length,
      min: Math.min(...rs.map((r) => r.value)),
      max: Math.max(...rs.map((r) => r.value)),
      last: rs[rs.length - 1].value,
      count: rs.length,
    }));
}

const pick = <T extends Record<string, unknown>>(o: T, keys: string[]): Partial<T> =>
  Object.fromEntries(keys.map((k) => [k, o[k]])) as Partial<T>;

/**
 * The historian on a real PostgreSQL (E2E_TARGET=services) or the embedded one: days of readings for several
 * sensors generated with SQL, read back raw, paged, bucketed and as CSV, and compared with the same readings
 * computed in JS; latest values after a restart; refusals; and the retention job.
 */
describe(`historian end to end (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client | undefined;
  const data = new Map<string, Reading[]>();
  const readings = (unit: string, type: string): Reading[] => data.get(`${unit}/${type}`)!;

  async function openDb(): Promise<void> {
    await db?.end().catch(() => undefined);
    db = await connectDb(target.databaseUrl);
    db.on('error', () => undefined); // the embedded database dies with a killed backend; openDb replaces it
  }

  /** SQL with literal values only: the embedded database runs all its connections in one session. */
  async function sql<R extends pg.QueryResultRow = any>(text: string): Promise<R[]> {
    return (await db!.query<R>(text)).rows;
  }

  function history<T = any>(query: string, csv = false) {
    return backend.request<T>('GET', `/api/v1/scada/telemetry/history${csv ? '.csv' : ''}?${query}`);
  }

  const range = (unit: string, type: string, fromMs: number, toMs: number): string =>
    `unit_id=${unit}&sensor_type=${type}&from=${iso(fromMs)}&to=${iso(toMs)}`;

  beforeAll(async () => {
    target = await createTarget('historian');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        TELEMETRY_RETENTION: '30d',
        TELEMETRY_RETENTION_INTERVAL_S: '1',
        TELEMETRY_RETENTION_BATCH: '100',
      },
    });
    await openDb();
    await sql(`INSERT INTO units (id) VALUES ('H1'), ('H2'), ('H3'), ('EMPTY')`);
    for (const s of SENSORS) {
      const [{ id }] = await sql<{ id: number }>(
        `INSERT INTO sensors (unit_id, sensor_type) VALUES ('${s.unit}', '${s.type}') RETURNING id`,
      );
      await sql(`
        INSERT INTO sensor_readings (sensor_id, time, value, quality)
        SELECT ${id},
               TIMESTAMPTZ '${iso(T0)}' + i * INTERVAL '${STEP_S} seconds' + ${s.offsetMicros} * INTERVAL '1 microsecond',
               ((i * 37 + ${s.k * 11}) % 1000) / 4.0,
               CASE WHEN i % 97 = 0 THEN 'BAD' WHEN i % 89 = 0 THEN 'UNCERTAIN' ELSE 'GOOD' END
          FROM generate_series(0, ${PER_SENSOR - 1}) i`);
      data.set(`${s.unit}/${s.type}`, generated(s.k, s.offsetMicros));
    }
    // The LatestValues table is filled from the database at start-up: a restart makes it see the SQL-made rows.
    await backend.kill();
    await backend.restart();
    await openDb();
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it('stored exactly what the JS formula generates (so the expectations below are independent of the API)', async () => {
    const rows = await sql<{ n: string; sum: number }>(
      `SELECT count(*) AS n, sum(value) AS sum FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
        WHERE s.unit_id = 'H1' AND s.sensor_type = 'temperature'`,
    );
    expect(Number(rows[0].n)).toBe(PER_SENSOR);
    expect(rows[0].sum).toBe(readings('H1', 'temperature').reduce((s, r) => s + r.value, 0));
  });

  it('serves the latest value of every sensor, equal to the last stored rows', async () => {
    const last = (unit: string, type: string) => {
      const r = readings(unit, type).at(-1)!;
      return { sensor_type: type, value: r.value, quality: r.quality, time: isoMicros(r.micros) };
    };
    const h1 = await backend.request('GET', '/api/v1/scada/telemetry/latest?unit_id=H1');
    expect(h1.status).toBe(200);
    expect(h1.body).toEqual({
      units: [{ unit_id: 'H1', sensors: [last('H1', 'pressure'), last('H1', 'temperature')] }],
    });
    const all = await backend.getJson('/api/v1/scada/telemetry/latest');
    expect(all.units).toEqual([
      { unit_id: 'H1', sensors: [last('H1', 'pressure'), last('H1', 'temperature')] },
      { unit_id: 'H2', sensors: [last('H2', 'temperature')] },
    ]);
    // Known but silent: listed with no sensors rather than refused.
    expect((await backend.request('GET', '/api/v1/scada/telemetry/latest?unit_id=EMPTY')).body).toEqual({
      units: [{ unit_id: 'EMPTY', sensors: [] }],
    });
    expect(await backend.request('GET', '/api/v1/scada/telemetry/latest?unit_id=NOPE')).toMatchObject({
      status: 404,
      body: { message: "Unknown unit 'NOPE'" },
    });
  });

  it('pages raw readings with a cursor: every reading once, in order, microseconds kept', async () => {
    const fromMs = T0 + DAY + 5 * MINUTE + 3_000;
    const toMs = fromMs + 40 * MINUTE;
    for (const [unit, type] of [
      ['H1', 'temperature'],
      ['H2', 'temperature'],
    ] as const) {
      const expected = readings(unit, type)
        .filter((r) => r.micros >= fromMs * 1000 && r.micros < toMs * 1000)
        .map((r) => ({ time: isoMicros(r.micros), value: r.value, quality: r.quality }));
      expect(expected.length).toBe(240);
      const got: RawBody['points'] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { status: number; body: RawBody } = await history<RawBody>(
          `${range(unit, type, fromMs, toMs)}&limit=70${cursor === null ? '' : `&cursor=${cursor}`}`,
        );
        expect(page.status).toBe(200);
        expect(page.body).toMatchObject({
          unit_id: unit,
          sensor_type: type,
          from: iso(fromMs),
          to: iso(toMs),
          bucket: null,
        });
        expect(page.body.points.length).toBeLessThanOrEqual(70);
        got.push(...page.body.points);
        cursor = page.body.next_cursor;
        pages++;
      } while (cursor !== null);
      expect(pages).toBe(4);
      expect(got).toEqual(expected);
    }
    // Without a limit: the default page of 1000.
    const big = await history<RawBody>(range('H1', 'pressure', T0, T0 + DAY));
    expect(big.body.points).toHaveLength(1000);
    expect(big.body.next_cursor).not.toBeNull();
  });

  it('returns exactly the aggregates of whole buckets, whatever the bucket', async () => {
    const cases: [string, string, number, number, string, number][] = [
      ['H1', 'temperature', T0 + 12 * HOUR + 7 * MINUTE, T0 + 2 * DAY, '1h', 3600],
      ['H1', 'pressure', T0, T0 + DAYS * DAY, '1d', 86_400],
      ['H2', 'temperature', T0 + 30 * MINUTE, T0 + 10 * HOUR + 1, '15m', 900],
      ['H1', 'temperature', T0 + DAY + 13_000, T0 + DAY + 10 * MINUTE, '30s', 30],
      // Off the bucket grid in both directions: the first and last buckets are still whole.
      ['H2', 'temperature', T0 + 2 * DAY - 45 * MINUTE, T0 + 2 * DAY + 3 * HOUR + 5 * MINUTE, '2h', 7200],
    ];
    const aggs = ['avg', 'min', 'max', 'last', 'count'];
    for (const [unit, type, fromMs, toMs, bucket, seconds] of cases) {
      const answer = await history<BucketBody>(
        `${range(unit, type, fromMs, toMs)}&bucket=${bucket}&agg=${aggs.join(',')}`,
      );
      expect({ bucket, status: answer.status }).toEqual({ bucket, status: 200 });
      expect(answer.body).toMatchObject({ bucket, bucket_seconds: seconds });
      const expected = expectedBuckets(readings(unit, type), fromMs, toMs, seconds);
      expect(expected.length).toBeGreaterThan(1);
      expect(answer.body.points).toEqual(expected);
    }
    // Default aggregates: avg, min, max only.
    const fromMs = T0 + 6 * HOUR;
    const toMs = T0 + 9 * HOUR;
    const defaults = await history<BucketBody>(`${range('H1', 'pressure', fromMs, toMs)}&bucket=1h`);
    expect(defaults.body.points).toEqual(
      expectedBuckets(readings('H1', 'pressure'), fromMs, toMs, 3600).map((b) =>
        pick(b, ['time', 'avg', 'min', 'max']),
      ),
    );
    // A bucket of 60s is the 1m bucket.
    expect((await history<BucketBody>(`${range('H1', 'pressure', fromMs, toMs)}&bucket=60s`)).body.bucket).toBe('1m');
  });

  it('keeps charts within max_points, with the smallest nice bucket that fits', async () => {
    const fromMs = T0 + 3 * HOUR + 20 * MINUTE;
    const toMs = fromMs + 2 * DAY;
    for (const [maxPoints, bucket, seconds] of [
      [100, '30m', 1800],
      [500, '10m', 600],
      [2000, '2m', 120],
      [3, '1d', 86_400],
    ] as const) {
      const answer = await history<BucketBody>(
        `${range('H1', 'temperature', fromMs, toMs)}&max_points=${maxPoints}&agg=avg,count`,
      );
      expect(answer.status).toBe(200);
      expect({ maxPoints, bucket: answer.body.bucket }).toEqual({ maxPoints, bucket });
      expect(answer.body.points.length).toBeLessThanOrEqual(maxPoints);
      expect(answer.body.points).toEqual(
        expectedBuckets(readings('H1', 'temperature'), fromMs, toMs, seconds).map((b) =>
          pick(b, ['time', 'avg', 'count']),
        ),
      );
    }
    // The next smaller nice bucket would have been too many points: 2 days / 15 min = 192 (+1 off the grid) > 100.
    expect(Math.ceil((2 * DAY) / (15 * MINUTE))).toBeGreaterThan(100);
  });

  it('exports the same history as CSV, streamed in pages, equal to the JSON', async () => {
    // Raw: more rows than one server page (5000), so the export really walks several keyset pages.
    const fromMs = T0 + 6 * HOUR;
    const toMs = fromMs + DAY;
    const csv = await history(range('H2', 'temperature', fromMs, toMs), true);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="H2_temperature_.*\.csv"$/);
    const lines = csv.text.trimEnd().split('\n');
    expect(lines[0]).toBe('time,value,quality');
    const expected = readings('H2', 'temperature').filter((r) => r.micros >= fromMs * 1000 && r.micros < toMs * 1000);
    expect(lines).toHaveLength(expected.length + 1);
    expect(expected.length).toBe(8640);
    const json: RawBody['points'] = [];
    let cursor: string | null = null;
    do {
      const page: { body: RawBody } = await history<RawBody>(
        `${range('H2', 'temperature', fromMs, toMs)}&limit=10000${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      json.push(...page.body.points);
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(lines.slice(1)).toEqual(json.map((p) => `${p.time},${p.value},${p.quality}`));
    expect(lines[1]).toBe(`${isoMicros(expected[0].micros)},${expected[0].value},${expected[0].quality}`);

    // A limit caps the export; a cursor starts after it.
    const capped = await history(
      `${range('H2', 'temperature', fromMs, toMs)}&limit=10&cursor=${encodeURIComponent(
        (await history<RawBody>(`${range('H2', 'temperature', fromMs, toMs)}&limit=5`)).body.next_cursor!,
      )}`,
      true,
    );
    expect(capped.text.trimEnd().split('\n').slice(1)).toEqual(
      json.slice(5, 15).map((p) => `${p.time},${p.value},${p.quality}`),
    );

    // Bucketed: header of the asked aggregates, one row per bucket.
    const query = `${range('H1', 'pressure', T0, T0 + DAYS * DAY)}&bucket=1h&agg=count,avg,last`;
    const bucketCsv = await history(query, true);
    const bucketJson = await history<BucketBody>(query);
    const rows = bucketCsv.text.trimEnd().split('\n');
    expect(rows[0]).toBe('time,avg,last,count');
    expect(rows.slice(1)).toEqual(bucketJson.body.points.map((p) => `${p.time},${p.avg},${p.last},${p.count}`));
    expect(rows).toHaveLength(DAYS * 24 + 1);
  });

  it('answers bad queries with 400 and unknown units or sensors with 404, saying what is wrong', async () => {
    const ok = range('H1', 'temperature', T0, T0 + DAY);
    const cases: [string, number, string][] = [
      [range('H1', 'temperature', T0 + DAY, T0), 400, 'from must be before to'],
      [`unit_id=H1&sensor_type=temperature&from=yesterday&to=${iso(T0)}`, 400, 'from must be an ISO 8601 time'],
      [`unit_id=H1&sensor_type=temperature&from=${iso(T0)}`, 400, 'to must be an ISO 8601 time'],
      [`sensor_type=temperature&from=${iso(T0)}&to=${iso(T0 + DAY)}`, 400, 'unit_id must be 1-64 letters'],
      [`unit_id=H1&sensor_type=temp%20c&from=${iso(T0)}&to=${iso(T0 + DAY)}`, 400, 'sensor_type must be 1-64 letters'],
      [range('H1', 'temperature', T0 - 40 * DAY, T0), 400, 'raw history covers at most 31 days'],
      [`${ok}&limit=0`, 400, 'limit must not be less than 1'],
      [`${ok}&limit=10001`, 400, 'limit must not be greater than 10000'],
      [`${ok}&limit=ten`, 400, 'limit must be a whole number'],
      [`${ok}&max_points=0`, 400, 'max_points must not be less than 1'],
      [`${ok}&max_points=20000`, 400, 'max_points must not be greater than 10000'],
      [`${ok}&bucket=5x`, 400, 'bucket must be <integer><s|m|h|d>'],
      [`${ok}&bucket=1s`, 400, 'bucket 1s over this range gives 86400 points, more than 10000'],
      [`${ok}&bucket=1h&agg=avg,median`, 400, "unknown: 'median'"],
      [`${ok}&agg=avg`, 400, 'agg needs bucket or max_points'],
      [`${ok}&cursor=abc`, 400, 'cursor is not one this API gave out'],
      [`${ok}&bucket=1h&limit=5`, 400, 'limit applies to raw history only'],
      [`${ok}&colour=red`, 400, 'property colour should not exist'],
      [range('NOPE', 'temperature', T0, T0 + DAY), 404, "Unknown unit 'NOPE'"],
      [range('H1', 'humidity', T0, T0 + DAY), 404, "Unit 'H1' has no sensor 'humidity'"],
    ];
    for (const [query, status, message] of cases) {
      for (const csv of [false, true]) {
        const answer = await history(query, csv);
        expect({ query, csv, status: answer.status }).toEqual({ query, csv, status });
        expect({ query, message: String(answer.body?.message) }).toEqual({
          query,
          message: expect.stringContaining(message),
        });
      }
    }
  });

  // TimescaleDB drops whole chunks on its own schedule: what the backend owes there is the policy itself (the
  // Timescale specs change it through the env and restart); the backend's job runs only on plain PostgreSQL.
  if (TARGET === 'timescale') {
    it('leaves retention to a TimescaleDB policy of TELEMETRY_RETENTION, and runs no job of its own', async () => {
      const jobs = await sql<{ drop_after: string }>(
        `SELECT config->>'drop_after' AS drop_after FROM timescaledb_information.jobs
          WHERE proc_name = 'policy_retention' AND hypertable_name = 'sensor_readings'`,
      );
      expect(jobs).toEqual([{ drop_after: expect.stringMatching(/^(30 days|720:00:00)$/) }]);
      const status = await backend.getJson('/api/v1/scada/status');
      expect(status.historian).toMatchObject({
        retention_s: 30 * 86_400,
        retention_by: 'timescaledb_policy',
        retention_runs: 0,
        continuous_aggregates: true,
        compression: true,
      });
      expect(backend.logs).not.toMatch(/Retention run \d+/);
    });
  } else {
    it('deletes readings older than the retention in batches, and nothing newer', async () => {
      const [{ id }] = await sql<{ id: number }>(
        `INSERT INTO sensors (unit_id, sensor_type) VALUES ('H3', 'level') RETURNING id`,
      );
      // 300 readings from 45 to 35 days ago (to go) and 300 from 29 to 28 days ago (to stay), older than anything else.
      await sql(`
      INSERT INTO sensor_readings (sensor_id, time, value, quality)
      SELECT ${id}, now() - INTERVAL '45 days' + i * INTERVAL '48 minutes', i, 'GOOD' FROM generate_series(0, 299) i
      UNION ALL
      SELECT ${id}, now() - INTERVAL '29 days' + i * INTERVAL '4 minutes', i, 'GOOD' FROM generate_series(0, 299) i`);
      const count = async (where: string): Promise<number> =>
        Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM sensor_readings WHERE ${where}`))[0].n);
      await eventually(async () => expect(await count(`time < now() - INTERVAL '30 days'`)).toBe(0), 30_000);
      expect(await count(`sensor_id = ${id}`)).toBe(300);
      expect(await count(`sensor_id <> ${id}`)).toBe(PER_SENSOR * SENSORS.length);
      // One run took them all, 100 per DELETE: three full batches, then one that found none left.
      await eventually(() =>
        expect(backend.logs).toMatch(/Retention run \d+: deleted 300 readings older than \S+ in 4 statement\(s\)/),
      );
      const status = await backend.getJson('/api/v1/scada/status');
      expect(status.historian).toMatchObject({
        timescaledb_version: null,
        compression: false,
        continuous_aggregates: false,
        retention_s: 30 * 86_400,
        retention_by: 'backend_job',
        retention_deleted: 300,
        retention_last_error: null,
      });
      expect(status.historian.retention_runs).toBeGreaterThan(1);
      const metrics = await backend.request('GET', '/metrics');
      expect(metrics.text).toMatch(/^scada_historian_retention_deleted_total 300$/m);
      expect(metrics.text).toMatch(/^scada_historian_timescaledb 0$/m);
    });
  }

  it('documents the telemetry routes in Swagger', async () => {
    const docs = await backend.getJson('/api/docs-json');
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/scada/telemetry/latest',
        '/api/v1/scada/telemetry/history',
        '/api/v1/scada/telemetry/history.csv',
      ]),
    );
    expect(docs.paths['/api/v1/scada/telemetry/history'].get.description).toContain('max_points');
  });
});
