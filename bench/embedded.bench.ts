/**
 * Embedded-default benchmark (issue #22): the built backend started as `npm start` starts it with no configuration
 * (no DATABASE_URL, no MQTT_BROKER_HOST: the in-process aedes broker and PGlite, the simulator as it defaults,
 * authentication on), on a fresh DATA_DIR. It measures the resident memory at rest after the first start (which
 * creates the database cluster), stored readings/s and peak resident memory for a 100,000-reading QoS 1 flood, and
 * the memory at rest after a restart on the same DATA_DIR. Prints a table, then one JSON line. Exit code 1 when a
 * reading was lost or the run failed, 2 when it overran its time budget; a missed target is a figure, not a failure.
 *
 *   npm run bench:embedded                          (builds into dist/; also a phase of `npm run bench`)
 *   npx nest build && node dist/bench/embedded.bench.js
 *
 * Environment: BENCH_READINGS (100000), BENCH_INFLIGHT (unacknowledged publishes, 2000), BENCH_BACKEND_ENV (JSON
 * object of extra backend variables, e.g. {"EMBEDDED_DATABASE_SHARED_BUFFERS_MB":"128"}).
 *
 * What differs from `npm start`, and why: the HTTP and broker ports are picked free (PORT, MQTT_BROKER_PORT=0) and
 * HTTP listens on 127.0.0.1 only, because the machine is shared; DATA_DIR is a temporary directory, removed at the
 * end. The admin key is the one the first start prints, and the publisher is a device created with it over REST.
 */
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { BackendProcess, tempDataDir } from '../test/support/backend.js';
import { connectPublisher, createDevice } from '../test/support/clients.js';
import { embeddedSocketUrl } from '../test/support/target.js';
import {
  envInt,
  exitWhenDone,
  fmt,
  mark,
  now,
  round,
  sleep,
  sqlClient,
  useBackendBuiltWith,
  withBudget,
} from './support/bench-run.js';
import { RssWatch, statusKb } from './support/process-watch.js';
import { FLOOD_VALUES, SENSOR_TYPES, SENSORS, UNIT_IDS, UNITS } from './support/reading-flood.js';
import { measureThroughput } from './support/throughput.phase.js';

const READINGS = envInt('BENCH_READINGS', 100_000);
/** Extra backend variables (JSON object), to compare settings such as EMBEDDED_DATABASE_SHARED_BUFFERS_MB. */
const BACKEND_ENV = JSON.parse(process.env.BENCH_BACKEND_ENV ?? '{}') as Record<string, string>;
const INFLIGHT = envInt('BENCH_INFLIGHT', 2000);

/** MQTT_TOPIC_PREFIX's default: the bench configures nothing. */
const TOPIC_PREFIX = 'scada';
const STORE_TIMEOUT_MS = 60_000;
/** "At rest": this long after /health/ready first answered, when start-up work (migrations, caches) is done. */
const REST_SETTLE_MS = 2000;
/** The whole run stays under two minutes, whatever hangs. */
const RUN_BUDGET_MS = 115_000;

const TARGET_STORED_PER_S = 20_000;
const TARGET_RSS_MB = 300;

/** Only the bench's units: the simulator writes its own readings (UNIT001 ...) into the same table meanwhile. */
const BENCH_SENSORS = `SELECT id FROM sensors WHERE unit_id IN (${UNIT_IDS.map((u) => `'${u}'`).join(', ')})`;
const COUNT_BENCH_ROWS = `SELECT count(*)::int AS n FROM sensor_readings WHERE sensor_id IN (${BENCH_SENSORS})`;
const COUNT_OTHER_ROWS = `SELECT count(*)::int AS n FROM sensor_readings WHERE sensor_id NOT IN (${BENCH_SENSORS})`;

/**
 * PGlite runs one statement at a time inside the backend's own process, so every count waits for the writer and
 * then holds it up, on the backend's CPU. Counting rarely until the flood is nearly in, then often, keeps that
 * cost small and still dates the last commit to within one short pause.
 */
const pauseFor =
  (target: number) =>
  (rows: number): number =>
    rows < target * 0.9 ? 250 : 50;

const mb = (kb: number): number => kb / 1024;

interface StartFigures<T> {
  started: T;
  seconds: number;
  restKb: number;
  /** VmHWM when at rest: the peak of the start itself. */
  startPeakKb: number;
}

/** Starts (or restarts) the backend, waits for it to come to rest, and reads its memory. */
async function startTimed<T>(start: () => Promise<T>, pid: (started: T) => number): Promise<StartFigures<T>> {
  const from = now();
  const started = await start();
  const seconds = (now() - from) / 1000;
  await sleep(REST_SETTLE_MS);
  const at = pid(started);
  return { started, seconds, restKb: statusKb(at, 'VmRSS'), startPeakKb: statusKb(at, 'VmHWM') };
}

/** Runs `close` on the first call only: a step that the run takes itself and cleanup takes again on failure. */
function once(close: () => Promise<unknown>): () => Promise<unknown> {
  let done: Promise<unknown> | undefined;
  return () => (done ??= close());
}

function fromLogs(backend: BackendProcess, pattern: RegExp, what: string): string {
  const found = pattern.exec(backend.logs)?.[1];
  if (found === undefined) throw new Error(`the backend did not print ${what}`);
  return found;
}

async function countRows(url: string, sql: string): Promise<number> {
  const db = await sqlClient(url);
  try {
    return (await db.query<{ n: number }>(sql)).rows[0].n;
  } finally {
    await db.end();
  }
}

interface SimulatorStatus {
  running: boolean;
  units: number;
  readings_published: number;
}

async function main(): Promise<number> {
  useBackendBuiltWith(import.meta.url);
  const id = `bench_${process.pid}`;
  const dataDir = tempDataDir();
  const databaseUrl = embeddedSocketUrl(dataDir);
  let adminKey = '';
  try {
    return await withBudget(RUN_BUDGET_MS, async (cleanup) => {
      cleanup.add('data directory', () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
      console.log(
        `ThermaCore embedded-default benchmark: no DATABASE_URL, no MQTT_BROKER_HOST (aedes + PGlite), fresh DATA_DIR; ` +
          `${fmt(READINGS)} readings, ${UNITS} units x ${SENSOR_TYPES.length} sensor types, QoS 1 (MQTT 3.1.1), ` +
          `${INFLIGHT} in flight, ${FLOOD_VALUES} values (BENCH_FLOOD_VALUES); Node ${process.version}`,
      );
      process.stdout.write('first start (creates the database cluster) ... ');
      const first = await startTimed(
        () =>
          BackendProcess.start({
            env: {
              // What `npm start` runs with; BackendProcess would otherwise set NODE_ENV=test and a fixed simulator seed.
              NODE_ENV: 'development',
              SIMULATOR_SEED: '',
              DATA_DIR: dataDir,
              MQTT_BROKER_PORT: '0',
              // No bootstrap key: the first start prints its own admin key, as a first `npm start` does.
              AUTH_BOOTSTRAP_ADMIN_KEY: '',
              ...BACKEND_ENV,
            },
          }),
        (started) => started.pid!,
      );
      const server = first.started;
      cleanup.add('backend', () => server.stop());
      console.log(`${fmt(first.seconds, 1)} s, ${fmt(mb(first.restKb))} MB at rest`);

      adminKey = fromLogs(server, /#api_key=(\S+)/, 'a first-start admin key');
      server.defaultHeaders.authorization = `Bearer ${adminKey}`;
      const brokerPort = Number(
        fromLogs(server, /Embedded MQTT broker listening on mqtt:\/\/127\.0\.0\.1:(\d+)/, 'its broker port'),
      );
      const simulatorBefore = await server.getJson<SimulatorStatus>('/api/v1/scada/simulator/status');

      const device = await createDevice(server, `${id}_flood`, [...UNIT_IDS]);
      const publisher = await connectPublisher('127.0.0.1', brokerPort, {
        clientId: `${id}_pub`,
        protocolVersion: 4,
        username: device.username,
        password: device.password,
      });
      const closePublisher = once(() => publisher.endAsync());
      cleanup.add('publisher', closePublisher);
      const db = await sqlClient(databaseUrl);
      const closeDb = once(() => db.end());
      cleanup.add('sql client', closeDb);

      const rss = new RssWatch(server.pid!);
      process.stdout.write('flood ... ');
      const throughput = await measureThroughput(publisher, db, {
        prefix: TOPIC_PREFIX,
        readings: READINGS,
        inflight: INFLIGHT,
        storeTimeoutMs: STORE_TIMEOUT_MS,
        ours: { backendPid: server.pid },
        count: { sql: COUNT_BENCH_ROWS, pauseMs: pauseFor(SENSORS + READINGS) },
      });
      rss.stop();
      const peakKb = rss.peakKb;
      const highWaterKb = rss.highWaterKb();
      console.log(`${fmt(throughput.storedPerS)} readings/s stored`);

      // The counters explain a loss; a backend that died must not hide the figures measured before.
      const status = await server
        .getJson<{ pipeline: Record<string, unknown> }>('/api/v1/scada/status')
        .catch((err: Error) => ({ pipeline: { unavailable: err.message } }));
      const simulator = await server
        .getJson<SimulatorStatus>('/api/v1/scada/simulator/status')
        .catch(() => ({ running: false, units: 0, readings_published: Number.NaN }));
      const simulatorRows = await db.query<{ n: number }>(COUNT_OTHER_ROWS).then((r) => r.rows[0].n);
      await closeDb();
      await closePublisher();

      process.stdout.write('stop (SIGTERM) and restart on the same DATA_DIR ... ');
      const stopFrom = now();
      const exitCode = await server.stop();
      const stopSeconds = (now() - stopFrom) / 1000;
      const restart = await startTimed(
        () => server.restart(),
        () => server.pid!,
      );
      console.log(`${fmt(restart.seconds, 1)} s, ${fmt(mb(restart.restKb))} MB at rest`);
      const kept = (await countRows(databaseUrl, COUNT_BENCH_ROWS)) - SENSORS;
      await cleanup.run();

      const peakMb = mb(peakKb);
      const failed = throughput.lost > 0 || throughput.publishErrors > 0 || kept < throughput.rows;
      const c = throughput.cpu;
      const simulatorRan = simulatorBefore.running || simulator.running;
      const rows: [string, string, string][] = [
        ['first start to ready (cluster created)', `${fmt(first.seconds, 1)} s`, ''],
        ['  RSS at rest after the first start', `${fmt(mb(first.restKb))} MB`, ''],
        ['  peak during the start (VmHWM)', `${fmt(mb(first.startPeakKb))} MB`, ''],
        [
          'simulator (SIMULATOR_AUTOSTART default)',
          simulatorRan ? `running, ${simulator.units} units` : 'not running',
          '',
        ],
        ['  its readings stored meanwhile', fmt(simulatorRows), ''],
        [
          'stored throughput',
          `${fmt(throughput.storedPerS)} readings/s`,
          `>= ${fmt(TARGET_STORED_PER_S)}  ${mark(throughput.storedPerS >= TARGET_STORED_PER_S)}`,
        ],
        ['  first publish to last commit', `${fmt(throughput.seconds, 2)} s`, ''],
        ['  publish rate (broker PUBACKs)', `${fmt(throughput.publishPerS)} msg/s`, ''],
        [
          '  CPU cores: backend/bench/other',
          `${[c.backend, c.bench, c.other].map((n) => n.toFixed(2)).join('/')} of ${c.cores}`,
          '',
        ],
        ['  backend CPU per reading (PGlite included)', `${fmt(throughput.backendUsPerReading)} us`, ''],
        ['  row counts while measuring', `${throughput.counts.queries} taking ${fmt(throughput.counts.ms)} ms`, ''],
        ['readings lost', fmt(throughput.lost), `0  ${mark(throughput.lost === 0)}`],
        [
          'backend peak RSS (200 ms samples)',
          `${fmt(peakMb)} MB`,
          `<= ${TARGET_RSS_MB}  ${mark(peakMb <= TARGET_RSS_MB)}`,
        ],
        ['  kernel high-water mark (VmHWM)', `${fmt(mb(highWaterKb))} MB`, ''],
        ['stop (SIGTERM) to exit', `${fmt(stopSeconds, 1)} s, exit ${exitCode}`, ''],
        ['restart to ready (same DATA_DIR)', `${fmt(restart.seconds, 1)} s`, ''],
        ['  RSS at rest after the restart', `${fmt(mb(restart.restKb))} MB`, ''],
        ['  readings kept across the restart', `${fmt(kept)} / ${fmt(throughput.rows)}`, mark(kept >= throughput.rows)],
      ];
      console.log('');
      for (const [name, value, target] of rows) console.log(`${name.padEnd(46)}${value.padStart(30)}   ${target}`);
      console.log(`backend pipeline counters: ${JSON.stringify(status.pipeline)}`);
      if (throughput.publishErrors > 0) console.log(`!! ${throughput.publishErrors} publishes failed at the broker`);
      if (failed) {
        console.log(
          `!! READINGS LOST: ${throughput.lost} not stored, ${throughput.rows - kept} gone after the restart; ` +
            `backend output:\n${server.logs.replaceAll(adminKey, '<admin key>').trimEnd()}`,
        );
      }
      console.log(
        JSON.stringify({
          bench: 'embedded',
          readings: READINGS,
          flood_values: FLOOD_VALUES,
          units: UNITS,
          sensor_types: SENSOR_TYPES.length,
          inflight: INFLIGHT,
          simulator_running: simulatorRan,
          simulator_readings_stored: simulatorRows,
          first_start_s: round(first.seconds, 2),
          first_start_rest_rss_mb: round(mb(first.restKb), 1),
          first_start_vmhwm_mb: round(mb(first.startPeakKb), 1),
          stored_readings_per_s: round(throughput.storedPerS),
          stored_seconds: round(throughput.seconds, 3),
          publish_per_s: round(throughput.publishPerS),
          readings_lost: throughput.lost,
          backend_peak_rss_mb: round(peakMb, 1),
          backend_vmhwm_mb: round(mb(highWaterKb), 1),
          backend_cpu_us_per_reading: round(throughput.backendUsPerReading, 1),
          cores_busy: {
            backend: round(c.backend, 2),
            bench: round(c.bench, 2),
            other: round(c.other, 2),
            of: availableParallelism(),
          },
          row_counts: throughput.counts.queries,
          row_count_ms: round(throughput.counts.ms),
          stop_s: round(stopSeconds, 2),
          stop_exit_code: exitCode,
          restart_s: round(restart.seconds, 2),
          restart_rest_rss_mb: round(mb(restart.restKb), 1),
          readings_kept: kept,
          targets: { stored_readings_per_s: TARGET_STORED_PER_S, peak_rss_mb: TARGET_RSS_MB },
          publish_errors: throughput.publishErrors,
          pipeline: status.pipeline,
          ok: !failed,
        }),
      );
      return failed ? 1 : 0;
    });
  } catch (err) {
    // Never print the admin key, not even in a failure's message (a failed restart's carries the backend's output).
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    // The cause is left off on purpose: it holds the key.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(adminKey === '' ? message : message.replaceAll(adminKey, '<admin key>'));
  }
}

exitWhenDone(main());
