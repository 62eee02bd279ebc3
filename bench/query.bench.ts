/**
 * Historian query benchmark: 10 million readings in a real PostgreSQL database of its own, then the two queries
 * HMIs make all day, timed over HTTP against the built backend: the latest values of a unit, and 24 hours of one
 * sensor in 1-minute buckets. Prints a table, then one JSON line.
 *
 *   npm run bench:query                        (builds into dist/; not part of `npm run bench`: the load is long)
 *
 * Environment: BENCH_PG_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres; a bench_query_<pid>
 * database is created there and dropped at the end), BENCH_QUERY_READINGS (10000000), BENCH_QUERY_ITERATIONS (500
 * per query).
 *
 * The readings are generated in SQL, time-major (every sensor's reading of one instant, then the next instant), as
 * live ingest lays them out on disk, in chunks of about 500,000 rows per INSERT: 100 units x 4 sensors, one
 * reading every 5 s each, ending a minute ago. Requests are sequential (one client): the figures are latencies,
 * not throughput. Wall-clock time on a shared machine: compare runs taken under the same load.
 */
import pg from 'pg';
import { BackendProcess } from '../test/support/backend.js';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const READINGS = envInt('BENCH_QUERY_READINGS', 10_000_000);
const ITERATIONS = envInt('BENCH_QUERY_ITERATIONS', 500);
const WARMUP = 20;
const UNITS = 100;
const SENSOR_TYPES = ['temperature', 'pressure', 'flow_rate', 'power'] as const;
const SENSORS = UNITS * SENSOR_TYPES.length;
const STEP_S = 5;
const STEPS = Math.ceil(READINGS / SENSORS);
const STEPS_PER_CHUNK = Math.max(1, Math.floor(500_000 / SENSORS));
/** The whole run stops here, whatever hangs. */
const RUN_BUDGET_MS = 45 * 60_000;

const DATABASE = `bench_query_${process.pid}`;
/** The backend this run started, so the time budget can stop it too. */
let running: BackendProcess | undefined;

const unitId = (i: number): string => `UNIT${String(i + 1).padStart(3, '0')}`;

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Times `iterations` sequential calls of `path(i)` after a warm-up; every answer must be 200. */
async function timed(
  backend: BackendProcess,
  path: (i: number) => string,
  check: (body: unknown) => void,
): Promise<{ p50: number; p99: number; mean: number; max: number }> {
  for (let i = 0; i < WARMUP; i++) await backend.request('GET', path(i));
  const ms: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
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

async function main(): Promise<void> {
  const database = DATABASE;
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  await admin(`CREATE DATABASE ${database}`);
  let backend: BackendProcess | undefined;
  const db = new pg.Client({ connectionString: url.toString() });
  try {
    // The backend creates the schema (migrations) on its first start.
    backend = running = await BackendProcess.start({
      env: {
        DATABASE_URL: url.toString(),
        MQTT_BROKER_PORT: '0',
        SIMULATOR_AUTOSTART: 'false',
        TELEMETRY_RETENTION: '0',
        LOG_LEVEL: 'warn',
      },
    });
    await db.connect();

    const end = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const start = end - (STEPS - 1) * STEP_S * 1000;
    await db.query(`INSERT INTO units (id) SELECT 'UNIT' || lpad(u::text, 3, '0') FROM generate_series(1, ${UNITS}) u`);
    await db.query(
      `INSERT INTO sensors (unit_id, sensor_type)
       SELECT u.id, t FROM units u CROSS JOIN unnest(ARRAY['${SENSOR_TYPES.join("','")}']) t ORDER BY u.id, t`,
    );
    console.log(
      `loading ${(STEPS * SENSORS).toLocaleString('en')} readings (${SENSORS} sensors x ${STEPS} steps of ${STEP_S} s, ` +
        `${new Date(start).toISOString()} .. ${new Date(end).toISOString()}) in chunks of ${STEPS_PER_CHUNK * SENSORS}`,
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
          ORDER BY i, s.id`,
      );
    }
    const insertS = (performance.now() - loadStarted) / 1000;
    const analyzeStarted = performance.now();
    await db.query('VACUUM ANALYZE sensor_readings');
    const analyzeS = (performance.now() - analyzeStarted) / 1000;
    const [{ n, size }] = (
      await db.query<{ n: string; size: string }>(
        `SELECT count(*) AS n, pg_size_pretty(pg_total_relation_size('sensor_readings')) AS size FROM sensor_readings`,
      )
    ).rows;
    console.log(
      `loaded ${Number(n).toLocaleString('en')} rows in ${insertS.toFixed(1)} s (+ VACUUM ANALYZE ${analyzeS.toFixed(1)} s), ${size}`,
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
    const from = new Date(end + 1 - 24 * 3_600_000).toISOString();
    const history = await timed(
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

    const f = (x: number): string => x.toFixed(2);
    console.log('');
    console.log(`| query (${ITERATIONS} sequential requests each)         | p50 ms | p99 ms | mean ms | max ms |`);
    console.log('| ------------------------------------------------- | ------ | ------ | ------- | ------ |');
    console.log(
      `| latest values of a unit (4 sensors)               | ${f(latest.p50)} | ${f(latest.p99)} | ${f(latest.mean)} | ${f(latest.max)} |`,
    );
    console.log(
      `| 24 h of one sensor in 1-minute buckets (1440 pts) | ${f(history.p50)} | ${f(history.p99)} | ${f(history.mean)} | ${f(history.max)} |`,
    );
    console.log(
      `load: ${insertS.toFixed(1)} s insert + ${analyzeS.toFixed(1)} s VACUUM ANALYZE; backend restart ${restartS.toFixed(1)} s`,
    );
    console.log(
      JSON.stringify({
        bench: 'query',
        readings: Number(n),
        table_size: size,
        load_s: Number(insertS.toFixed(1)),
        vacuum_analyze_s: Number(analyzeS.toFixed(1)),
        restart_s: Number(restartS.toFixed(1)),
        iterations: ITERATIONS,
        latest_ms: { p50: Number(f(latest.p50)), p99: Number(f(latest.p99)) },
        history_24h_1m_ms: { p50: Number(f(history.p50)), p99: Number(f(history.p99)) },
      }),
    );
  } finally {
    await db.end().catch(() => undefined);
    await backend?.stop();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

const budget = setTimeout(() => {
  console.error(`query bench: over its ${RUN_BUDGET_MS / 60_000} min budget, stopping`);
  void (async () => {
    await running?.kill();
    await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).catch(() => undefined);
    process.exit(2);
  })();
}, RUN_BUDGET_MS);
budget.unref();

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
