/**
 * Historian query benchmark, on plain PostgreSQL and on TimescaleDB, printed side by side: 10 million readings in a
 * database of its own, plus a month of four sensors, then the queries HMIs and reports make, timed over HTTP
 * against the built backend: the latest values of a unit, 24 hours of one sensor in 1-minute buckets, 30 days of
 * one sensor in 1-hour buckets; and the table's size on disk, without and (TimescaleDB) with compression.
 *
 *   npm run bench:query                        (builds into dist/; not part of `npm run bench`: the load is long)
 *
 * Environment: BENCH_PG_URL (plain PostgreSQL admin URL, default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_TIMESCALE_PG_URL (admin URL of a server with TimescaleDB preloaded; unset: the bench starts a throwaway
 * cluster with .ci/timescale-cluster.sh when TimescaleDB is installed or its build is at ../shared/timescaledb, and
 * says so loudly when it cannot; `off` skips it), BENCH_QUERY_READINGS (10000000), BENCH_QUERY_ITERATIONS (200 per
 * query). A bench_query_<pid> database is created on each server and dropped at the end.
 *
 * The readings are generated in SQL, time-major (every sensor's reading of one instant, then the next instant), as
 * live ingest lays them out on disk, in chunks of about 500,000 rows per INSERT: 100 units x 4 sensors, one
 * reading every 5 s each, ending a minute ago; then unit MONTH001's 4 sensors, one reading every 10 s for 30 days.
 * On TimescaleDB the continuous aggregates are then refreshed over the whole range (live, their policies keep them
 * current as readings arrive), and the table is compressed only after the queries are timed, for its size (and
 * the month query once more, on compressed chunks). Requests are sequential (one client): the figures are
 * latencies, not throughput. Wall-clock time on a shared machine: compare runs taken under the same load.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { BackendProcess } from '../test/support/backend.js';
import { repoRoot } from '../test/support/paths.js';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

const PLAIN_PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const READINGS = envInt('BENCH_QUERY_READINGS', 10_000_000);
const ITERATIONS = envInt('BENCH_QUERY_ITERATIONS', 200);
const WARMUP = 20;
const UNITS = 100;
const SENSOR_TYPES = ['temperature', 'pressure', 'flow_rate', 'power'] as const;
const SENSORS = UNITS * SENSOR_TYPES.length;
const STEP_S = 5;
const STEPS = Math.ceil(READINGS / SENSORS);
const STEPS_PER_CHUNK = Math.max(1, Math.floor(500_000 / SENSORS));
/** The month-long unit: 4 sensors, one reading every 10 s for 30 days (1,036,800 readings). */
const MONTH_UNIT = 'MONTH001';
const MONTH_STEP_S = 10;
const MONTH_DAYS = 30;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The whole run stops here, whatever hangs. */
const RUN_BUDGET_MS = 60 * 60_000;

const DATABASE = `bench_query_${process.pid}`;
/** What the time budget must clean up: the backend running now, the databases made, a throwaway cluster. */
const cleanup = { backend: undefined as BackendProcess | undefined, adminUrls: new Set<string>(), cluster: false };

const unitId = (i: number): string => `UNIT${String(i + 1).padStart(3, '0')}`;

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

interface Timing {
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Times `iterations` sequential calls of `path(i)` after a warm-up; every answer must be 200. */
async function timed(
  backend: BackendProcess,
  path: (i: number) => string,
  check: (body: unknown) => void,
  iterations = ITERATIONS,
): Promise<Timing> {
  for (let i = 0; i < WARMUP; i++) await backend.request('GET', path(i));
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    const reply = await backend.request('GET', path(i));
    ms.push(performance.now() - started);
    if (reply.status !== 200) throw new Error(`GET ${path(i)} answered ${reply.status}: ${reply.text}`);
    check(reply.body);
  }
  ms.sort((a, b) => a - b);
  return {
    p50: percentile(ms, 0.5),
    p99: percentile(ms, 0.99),
    mean: ms.reduce((s, x) => s + x, 0) / ms.length,
    max: ms[ms.length - 1],
  };
}

/** What one database gave. */
interface Figures {
  name: string;
  readings: number;
  loadS: number;
  prepareS: number;
  restartS: number;
  bytes: number;
  compressedBytes?: number;
  compressS?: number;
  latest: Timing;
  day1m: Timing;
  month1h: Timing;
  month1hCompressed?: Timing;
  /** What answered the bucketed queries (scada_historian_bucket_queries_total), source → count. */
  sources: Record<string, number>;
}

async function bucketSources(backend: BackendProcess): Promise<Record<string, number>> {
  const text = (await backend.request('GET', '/metrics')).text;
  const sources: Record<string, number> = {};
  for (const m of text.matchAll(/^scada_historian_bucket_queries_total\{source="([^"]+)"\} (\d+)$/gm)) {
    sources[m[1]] = Number(m[2]);
  }
  return sources;
}

/** Loads the readings into a new database on `adminUrl`'s server and times the queries there. */
async function benchOn(name: string, adminUrl: string, timescale: boolean): Promise<Figures> {
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;
  await admin(adminUrl, `CREATE DATABASE ${DATABASE}`);
  cleanup.adminUrls.add(adminUrl);
  const db = new pg.Client({ connectionString: url.toString() });
  let backend: BackendProcess | undefined;
  try {
    // The backend creates the schema (migrations) on its first start.
    backend = cleanup.backend = await BackendProcess.start({
      env: {
        DATABASE_URL: url.toString(),
        MQTT_BROKER_PORT: '0',
        SIMULATOR_AUTOSTART: 'false',
        TELEMETRY_RETENTION: '0',
        TELEMETRY_COMPRESS_AFTER: '0',
        LOG_LEVEL: 'warn',
      },
    });
    await db.connect();
    const ts = (await backend.getJson<{ database: { timescaledb: boolean } }>('/health')).database.timescaledb;
    if (ts !== timescale) throw new Error(`${name}: sensor_readings is ${ts ? '' : 'not '}a hypertable`);

    const end = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const start = end - (STEPS - 1) * STEP_S * 1000;
    const monthSteps = (MONTH_DAYS * DAY) / (MONTH_STEP_S * 1000);
    const monthStart = end - (monthSteps - 1) * MONTH_STEP_S * 1000;
    await db.query(`INSERT INTO units (id) SELECT 'UNIT' || lpad(u::text, 3, '0') FROM generate_series(1, ${UNITS}) u`);
    await db.query(
      `INSERT INTO sensors (unit_id, sensor_type)
       SELECT u.id, t FROM units u CROSS JOIN unnest(ARRAY['${SENSOR_TYPES.join("','")}']) t ORDER BY u.id, t`,
    );
    await db.query(`INSERT INTO units (id) VALUES ('${MONTH_UNIT}')`);
    await db.query(
      `INSERT INTO sensors (unit_id, sensor_type) SELECT '${MONTH_UNIT}', t FROM unnest(ARRAY['${SENSOR_TYPES.join("','")}']) t`,
    );
    console.log(
      `[${name}] loading ${(STEPS * SENSORS).toLocaleString('en')} readings (${SENSORS} sensors x ${STEPS} steps of ${STEP_S} s, ` +
        `${new Date(start).toISOString()} .. ${new Date(end).toISOString()}) in chunks of ${STEPS_PER_CHUNK * SENSORS}, ` +
        `then ${(monthSteps * 4).toLocaleString('en')} readings of ${MONTH_UNIT} over ${MONTH_DAYS} days`,
    );
    const loadStarted = performance.now();
    for (let first = 0; first < STEPS; first += STEPS_PER_CHUNK) {
      const last = Math.min(STEPS, first + STEPS_PER_CHUNK) - 1;
      await db.query(
        `INSERT INTO sensor_readings (sensor_id, time, value, quality)
         SELECT s.id, TIMESTAMPTZ '${new Date(start).toISOString()}' + i * INTERVAL '${STEP_S} seconds',
                50 + 20 * sin(i / 720.0 + s.id) + (i % 7) * 0.1,
                CASE WHEN (i + s.id) % 1000 = 0 THEN 'BAD' ELSE 'GOOD' END
           FROM generate_series(${first}, ${last}) i CROSS JOIN sensors s
          WHERE s.unit_id <> '${MONTH_UNIT}'
          ORDER BY i, s.id`,
      );
    }
    const monthPerChunk = Math.floor(500_000 / SENSOR_TYPES.length);
    for (let first = 0; first < monthSteps; first += monthPerChunk) {
      const last = Math.min(monthSteps, first + monthPerChunk) - 1;
      await db.query(
        `INSERT INTO sensor_readings (sensor_id, time, value, quality)
         SELECT s.id, TIMESTAMPTZ '${new Date(monthStart).toISOString()}' + i * INTERVAL '${MONTH_STEP_S} seconds',
                50 + 20 * sin(i / 360.0 + s.id), 'GOOD'
           FROM generate_series(${first}, ${last}) i CROSS JOIN sensors s
          WHERE s.unit_id = '${MONTH_UNIT}'
          ORDER BY i, s.id`,
      );
    }
    const loadS = (performance.now() - loadStarted) / 1000;
    const prepareStarted = performance.now();
    if (timescale) {
      // Live, the refresh policies keep the aggregates current as readings arrive; a bulk load has to catch up.
      for (const view of ['sensor_readings_1m', 'sensor_readings_1h']) {
        await db.query(`CALL refresh_continuous_aggregate('${view}', NULL, NULL)`);
      }
    }
    await db.query('VACUUM ANALYZE sensor_readings');
    const prepareS = (performance.now() - prepareStarted) / 1000;
    const sizeSql = timescale ? `hypertable_size('sensor_readings')` : `pg_total_relation_size('sensor_readings')`;
    const [{ n, bytes }] = (
      await db.query<{ n: string; bytes: string }>(`SELECT count(*) AS n, ${sizeSql} AS bytes FROM sensor_readings`)
    ).rows;
    console.log(
      `[${name}] loaded ${Number(n).toLocaleString('en')} rows in ${loadS.toFixed(1)} s ` +
        `(+ ${timescale ? 'aggregate refresh and ' : ''}VACUUM ANALYZE ${prepareS.toFixed(1)} s), ${(Number(bytes) / 2 ** 20).toFixed(0)} MiB`,
    );

    // Restarted, the backend fills its latest-value table from the database, as after any restart.
    await backend.stop();
    const restartStarted = performance.now();
    await backend.restart();
    const restartS = (performance.now() - restartStarted) / 1000;

    const latest = await timed(
      backend,
      (i) => `/api/v1/scada/telemetry/latest?unit_id=${unitId((i * 37) % UNITS)}`,
      (body) => {
        if ((body as { units: { sensors: unknown[] }[] }).units[0].sensors.length !== SENSOR_TYPES.length)
          throw new Error('latest: a sensor is missing');
      },
    );
    const to = new Date(end + 1).toISOString();
    const from = new Date(end + 1 - DAY).toISOString();
    const day1m = await timed(
      backend,
      (i) =>
        `/api/v1/scada/telemetry/history?unit_id=${unitId((i * 37) % UNITS)}&sensor_type=${SENSOR_TYPES[i % 4]}` +
        `&from=${from}&to=${to}&bucket=1m&agg=avg,min,max`,
      (body) => {
        const points = (body as { points: unknown[] }).points.length;
        // A smaller load (BENCH_QUERY_READINGS) may span less than the day asked for.
        if (points < Math.min(1440, (STEPS * STEP_S) / 60 - 1))
          throw new Error(`history: ${points} buckets, expected 1440+`);
      },
    );
    const monthFrom = new Date(end + 1 - MONTH_DAYS * DAY).toISOString();
    const monthPath = (i: number): string =>
      `/api/v1/scada/telemetry/history?unit_id=${MONTH_UNIT}&sensor_type=${SENSOR_TYPES[i % 4]}` +
      `&from=${monthFrom}&to=${to}&bucket=1h&agg=avg,min,max`;
    const monthCheck = (body: unknown): void => {
      const points = (body as { points: unknown[] }).points.length;
      if (points < MONTH_DAYS * 24) throw new Error(`month: ${points} buckets, expected ${MONTH_DAYS * 24}+`);
    };
    const month1h = await timed(backend, monthPath, monthCheck);
    const sources = await bucketSources(backend);

    const figures: Figures = {
      name,
      readings: Number(n),
      loadS,
      prepareS,
      restartS,
      bytes: Number(bytes),
      latest,
      day1m,
      month1h,
      sources,
    };
    if (timescale) {
      const compressStarted = performance.now();
      await db.query(
        `SELECT count(compress_chunk(c, if_not_compressed => true)) FROM show_chunks('sensor_readings') c`,
      );
      figures.compressS = (performance.now() - compressStarted) / 1000;
      const [{ after }] = (await db.query<{ after: string }>(`SELECT hypertable_size('sensor_readings') AS after`))
        .rows;
      figures.compressedBytes = Number(after);
      figures.month1hCompressed = await timed(backend, monthPath, monthCheck);
    }
    return figures;
  } finally {
    await db.end().catch(() => undefined);
    await backend?.stop();
    cleanup.backend = undefined;
    await admin(adminUrl, `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    cleanup.adminUrls.delete(adminUrl);
  }
}

const CLUSTER_SCRIPT = join(repoRoot(), '.ci/timescale-cluster.sh');

/** The TimescaleDB server to bench, or why there is none. */
function timescaleServer(): { url: string } | { missing: string } {
  const given = process.env.BENCH_TIMESCALE_PG_URL;
  if (given === 'off') return { missing: 'BENCH_TIMESCALE_PG_URL=off' };
  if (given !== undefined && given !== '') return { url: given };
  if (!existsSync(CLUSTER_SCRIPT)) return { missing: `${CLUSTER_SCRIPT} not found` };
  try {
    const out = execFileSync('bash', [CLUSTER_SCRIPT, 'start'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.cluster = true;
    return { url: out.trim().split('\n').at(-1)! };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    return { missing: `no throwaway TimescaleDB cluster: ${stderr.trim().split('\n').at(-1)}` };
  }
}

function stopCluster(): void {
  if (!cleanup.cluster) return;
  execFileSync('bash', [CLUSTER_SCRIPT, 'stop'], { stdio: 'ignore' });
  cleanup.cluster = false;
}

const f = (x: number): string => x.toFixed(1);
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function print(results: Figures[], timescaleMissing?: string): void {
  const cell = (get: (r: Figures) => string): string => results.map((r) => ` ${get(r).padEnd(24)} |`).join('');
  const pp = (t: Timing): string => `${f(t.p50)} / ${f(t.p99)}`;
  console.log('');
  console.log(`| ${`p50 / p99 ms (${ITERATIONS} sequential requests each)`.padEnd(49)} |${cell((r) => r.name)}`);
  console.log(`| ------------------------------------------------- |${cell(() => '-'.repeat(24))}`);
  console.log(`| latest values of a unit (4 sensors)               |${cell((r) => pp(r.latest))}`);
  console.log(`| 24 h of one sensor in 1-minute buckets (1440 pts) |${cell((r) => pp(r.day1m))}`);
  console.log(`| 30 days of one sensor in 1-hour buckets (720 pts) |${cell((r) => pp(r.month1h))}`);
  console.log(
    `|   the same, all chunks compressed                 |${cell((r) => (r.month1hCompressed ? pp(r.month1hCompressed) : 'n/a'))}`,
  );
  console.log(`| readings                                          |${cell((r) => r.readings.toLocaleString('en'))}`);
  console.log(`| on disk, uncompressed                             |${cell((r) => mib(r.bytes))}`);
  console.log(
    `| on disk, compressed                               |${cell((r) => (r.compressedBytes === undefined ? 'n/a (no compression)' : `${mib(r.compressedBytes)} (${f(r.compressS!)} s)`))}`,
  );
  console.log(
    `| load s / prepare s / restart s                    |${cell((r) => `${f(r.loadS)} / ${f(r.prepareS)} / ${f(r.restartS)}`)}`,
  );
  console.log(
    `| bucketed queries answered by                      |${cell((r) =>
      Object.entries(r.sources)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', '),
    )}`,
  );
  if (timescaleMissing !== undefined) console.log(`\n!!! TimescaleDB not benched: ${timescaleMissing}`);
  console.log(
    JSON.stringify({
      bench: 'query',
      iterations: ITERATIONS,
      timescaledb: timescaleMissing === undefined ? 'benched' : `not benched: ${timescaleMissing}`,
      results: results.map((r) => ({
        database: r.name,
        readings: r.readings,
        bytes: r.bytes,
        compressed_bytes: r.compressedBytes ?? null,
        load_s: Number(f(r.loadS)),
        prepare_s: Number(f(r.prepareS)),
        restart_s: Number(f(r.restartS)),
        latest_ms: { p50: Number(f(r.latest.p50)), p99: Number(f(r.latest.p99)) },
        history_24h_1m_ms: { p50: Number(f(r.day1m.p50)), p99: Number(f(r.day1m.p99)) },
        history_30d_1h_ms: { p50: Number(f(r.month1h.p50)), p99: Number(f(r.month1h.p99)) },
        history_30d_1h_compressed_ms: r.month1hCompressed
          ? { p50: Number(f(r.month1hCompressed.p50)), p99: Number(f(r.month1hCompressed.p99)) }
          : null,
        bucket_sources: r.sources,
      })),
    }),
  );
}

async function main(): Promise<void> {
  const results: Figures[] = [];
  results.push(await benchOn('plain PostgreSQL', PLAIN_PG_URL, false));
  const server = timescaleServer();
  try {
    if ('url' in server) results.push(await benchOn('TimescaleDB', server.url, true));
  } finally {
    stopCluster();
  }
  print(results, 'missing' in server ? server.missing : undefined);
}

const budget = setTimeout(() => {
  console.error(`query bench: over its ${RUN_BUDGET_MS / 60_000} min budget, stopping`);
  void (async () => {
    await cleanup.backend?.kill();
    for (const url of cleanup.adminUrls) {
      await admin(url, `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).catch(() => undefined);
    }
    stopCluster();
    process.exit(2);
  })();
}, RUN_BUDGET_MS);
budget.unref();

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    stopCluster();
    process.exit(1);
  },
);
