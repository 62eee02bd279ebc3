/**
 * Ingest benchmark: how many readings per second the backend stores, how fast they reach Socket.IO clients, and
 * how much memory it takes, measured against the real parts (our own Mosquitto, the local PostgreSQL, the built
 * backend as its own process). Prints a table, then one JSON line. Exit code 1 when a reading was lost or the run
 * failed, 2 when it overran its time budget.
 *
 *   npm run bench                                   (builds into dist/)
 *   npx tsc -p tsconfig.build.json --outDir dist-x && node dist-x/bench/ingest.bench.js
 *
 * Environment: BENCH_READINGS (100000), BENCH_LATENCY_RATE (readings/s, 10000), BENCH_LATENCY_SECONDS (10),
 * BENCH_LATENCY_CLIENTS (100 Socket.IO clients, the units dealt out between them), BENCH_INFLIGHT (unacknowledged
 * publishes, 2000), BENCH_PG_URL (admin URL; a bench_<pid> database is created on that server and dropped at the
 * end), BENCH_BACKEND_ENV (JSON object of extra backend variables, to compare settings such as INGEST_BATCH_SIZE).
 *
 * Every process here shares the machine's cores, so each phase also reports where the CPU went: a figure taken
 * while the load generator or other work held the cores says more about the machine than about the backend.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import { BackendProcess } from '../test/support/backend.js';
import { connectPublisher } from '../test/support/clients.js';
import { MosquittoProcess, mosquittoInstalled } from '../test/support/mosquitto.js';
import {
  benchDatabase,
  envInt,
  exitWhenDone,
  externalBackendEnv,
  fmt,
  mark,
  now,
  percentile,
  round,
  sleep,
  sqlClient,
  useBackendBuiltWith,
  waitForRows,
  withBudget,
} from './support/bench-run.js';
import {
  cpuShare,
  cpuSnapshot,
  type CpuShare,
  mosquittoPid,
  RssWatch,
  type RunProcesses,
} from './support/process-watch.js';
import {
  FLOOD_VALUES,
  historicPayloads,
  payload,
  publishAll,
  sensorOf,
  SENSOR_TYPES,
  SENSORS,
  topicsFor,
  UNITS,
} from './support/reading-flood.js';
import {
  INGEST_WORKER,
  type CeilingJob,
  type CeilingResult,
  type ClientsJob,
  type ClientsResult,
  type ClientsStart,
} from './support/ingest.workers.js';
import { measureThroughput } from './support/throughput.phase.js';

const READINGS = envInt('BENCH_READINGS', 100_000);
const LATENCY_RATE = envInt('BENCH_LATENCY_RATE', 10_000);
const LATENCY_SECONDS = envInt('BENCH_LATENCY_SECONDS', 10);
const LATENCY_CLIENTS = envInt('BENCH_LATENCY_CLIENTS', 100);
const INFLIGHT = envInt('BENCH_INFLIGHT', 2000);
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BACKEND_ENV = JSON.parse(process.env.BENCH_BACKEND_ENV ?? '{}') as Record<string, string>;

const STORE_TIMEOUT_MS = 120_000;
const CEILING_TIMEOUT_MS = 60_000;
/** Runs of the ceiling phase; the fastest is the ceiling. */
const CEILING_RUNS = 2;
const LIVE_DRAIN_MS = 10_000;
/**
 * The live path (fan-out, Socket.IO encoding, the client's decoding) first runs when the latency phase starts, and
 * its first second under full load is JIT compilation, not steady state; it is measured apart.
 */
const LATENCY_WARMUP_S = 2;
const TICK_MS = 10;
/** The whole run stays under five minutes, whatever hangs. */
const RUN_BUDGET_MS = 290_000;

/** Issue #22's bars: stored rate against the broker's own ceiling in the same run, live p99 with 100 clients. */
const TARGET_CEILING_RATIO = 0.95;
const TARGET_P99_MS = 15;
const TARGET_RSS_MB = 400;

// ---------------------------------------------------------------------------------------------------------------
// Phases.

async function measureCeiling(broker: MosquittoProcess, publisher: MqttClient, ours: RunProcesses, prefix: string) {
  const worker = new Worker(INGEST_WORKER, {
    workerData: {
      kind: 'ceiling',
      port: broker.port,
      filter: `${prefix}/+/+`,
      expected: READINGS,
    } satisfies CeilingJob,
  });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  const next = (): Promise<unknown> => Promise.race([new Promise((r) => worker.once('message', r)), failed]);
  try {
    await next(); // 'ready': subscribed
    const payloads = historicPayloads(READINGS, Date.now() - 3_600_000);
    const results = next() as Promise<CeilingResult>;
    const cpu = cpuSnapshot();
    const published = await publishAll(publisher, topicsFor(prefix), payloads, INFLIGHT);
    const stop = setTimeout(() => worker.postMessage('stop'), CEILING_TIMEOUT_MS);
    const result = await results;
    clearTimeout(stop);
    return {
      received: result.received,
      perS: result.received / ((result.lastAt - published.firstAt) / 1000),
      publishPerS: READINGS / ((published.ackedAt - published.firstAt) / 1000),
      cpu: cpuShare(cpu, ours),
    };
  } finally {
    await worker.terminate();
  }
}

async function measureLatency(
  publisher: MqttClient,
  db: pg.Client,
  backend: BackendProcess,
  ours: RunProcesses,
  prefix: string,
) {
  const total = LATENCY_RATE * (LATENCY_WARMUP_S + LATENCY_SECONDS);
  const topics = topicsFor(prefix);
  const arrivals = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(INGEST_WORKER, {
    workerData: {
      kind: 'clients',
      url: backend.url,
      token: backend.token,
      clients: LATENCY_CLIENTS,
      total,
      phaseStart: Date.now(),
      arrivals: arrivals.buffer,
    } satisfies ClientsJob,
  });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  const next = <T>(): Promise<T> => Promise.race([new Promise<T>((r) => worker.once('message', r)), failed]);
  try {
    await next(); // 'ready': every client connected and subscribed
    worker.postMessage({ measureFrom: Date.now() + LATENCY_WARMUP_S * 1000 } satisfies ClientsStart);

    // Each reading carries its publish time; a sensor never gets the same millisecond twice (catch-up bursts
    // after a late tick could otherwise collide, and the second reading would be absorbed as a redelivery).
    const lastStamp = new Float64Array(SENSORS);
    let sent = 0;
    let errors = 0;
    const onAck = (err?: Error): void => {
      if (err) errors++;
    };
    const cpu = cpuSnapshot();
    const started = now();
    await new Promise<void>((resolve) => {
      // A tick sends what the clock says is due, so late ticks catch up and the average rate holds.
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((now() - started) * LATENCY_RATE) / 1000));
        for (; sent < due; sent++) {
          const s = sensorOf(sent);
          const stamp = Math.max(Date.now(), lastStamp[s] + 1);
          lastStamp[s] = stamp;
          publisher.publish(topics[s], payload(50 + (sent % 100) / 10, stamp), { qos: 1 }, onAck);
        }
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });
    const sendSeconds = (now() - started) / 1000;
    const share = cpuShare(cpu, ours);

    const drainUntil = now() + LIVE_DRAIN_MS;
    while (Atomics.load(arrivals, 0) < total && now() < drainUntil) await sleep(50);
    const results = next<ClientsResult>();
    worker.postMessage('stop');
    const { arrived, warmupMax, latencies } = await results;
    const stored = await waitForRows(db, SENSORS + READINGS + total, 30_000);

    const sorted = latencies.sort();
    return {
      sent: total,
      sendRate: total / sendSeconds,
      arrived,
      measured: latencies.length,
      warmupMax,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
      stored: stored.rows - SENSORS - READINGS,
      publishErrors: errors,
      cpu: share,
    };
  } finally {
    await worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------------------------

const cores = (c: CpuShare, withBackend = true): string =>
  [...(withBackend ? [c.backend] : []), c.bench, c.mosquitto, c.postgres, c.other].map((n) => n.toFixed(2)).join('/') +
  ` of ${c.cores}`;
const coresJson = (c: CpuShare) => ({
  backend: round(c.backend, 2),
  bench: round(c.bench, 2),
  mosquitto: round(c.mosquitto, 2),
  postgres: round(c.postgres, 2),
  other: round(c.other, 2),
});

async function main(): Promise<number> {
  if (!mosquittoInstalled) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  useBackendBuiltWith(import.meta.url);
  const id = `bench_${process.pid}`;
  return withBudget(RUN_BUDGET_MS, async (cleanup) => {
    const broker = await MosquittoProcess.start();
    cleanup.add('mosquitto', () => broker.stop());
    const ours: RunProcesses = { database: id, mosquittoPid: mosquittoPid(broker.port) };

    const { url: databaseUrl, pgVersion } = await benchDatabase(cleanup, PG_ADMIN_URL, id);

    const publisher = await connectPublisher('127.0.0.1', broker.port, { clientId: `${id}_pub`, protocolVersion: 5 });
    cleanup.add('publisher', () => publisher.endAsync());
    const mosquittoVersion = /version ([\d.]+)/.exec(spawnSync('mosquitto', ['-h']).stdout.toString())?.[1] ?? '?';
    console.log(
      `ThermaCore ingest benchmark: ${fmt(READINGS)} readings, ${UNITS} units x ${SENSOR_TYPES.length} sensor types, ` +
        `${FLOOD_VALUES} values (BENCH_FLOOD_VALUES), ` +
        `QoS 1, ${INFLIGHT} in flight; Mosquitto ${mosquittoVersion}, PostgreSQL ${pgVersion}, Node ${process.version}` +
        (Object.keys(BACKEND_ENV).length > 0 ? `; backend ${JSON.stringify(BACKEND_ENV)}` : ''),
    );

    process.stdout.write('broker ceiling ... ');
    // The best of CEILING_RUNS: one run taken while something else held the cores would lower the bar the stored
    // rate is held to (one such run read 24,412 msg/s between runs of 31,000).
    const ceilingRuns = [];
    for (let run = 0; run < CEILING_RUNS; run++) {
      ceilingRuns.push(await measureCeiling(broker, publisher, ours, `${id}_ceiling${run}`));
    }
    const ceiling = ceilingRuns.reduce((best, run) => (run.perS > best.perS ? run : best));
    console.log(`${fmt(ceiling.perS)} msg/s (best of ${ceilingRuns.map((r) => fmt(r.perS)).join(', ')})`);

    const backend = await BackendProcess.start({
      env: {
        ...externalBackendEnv(id, broker.port, databaseUrl),
        ...BACKEND_ENV,
      },
    });
    cleanup.add('backend', () => backend.stop());
    ours.backendPid = backend.pid;
    const rss = new RssWatch(backend.pid!);
    const db = await sqlClient(databaseUrl);
    cleanup.add('sql client', () => db.end());

    process.stdout.write('sustained throughput ... ');
    const throughput = await measureThroughput(publisher, db, {
      prefix: id,
      readings: READINGS,
      inflight: INFLIGHT,
      storeTimeoutMs: STORE_TIMEOUT_MS,
      ours,
    });
    console.log(`${fmt(throughput.storedPerS)} readings/s stored`);

    process.stdout.write(`live latency at ${fmt(LATENCY_RATE)}/s for ${LATENCY_WARMUP_S} + ${LATENCY_SECONDS} s ... `);
    const latency = await measureLatency(publisher, db, backend, ours, id);
    console.log(`p99 ${fmt(latency.p99)} ms`);

    // The counters explain a loss; a backend that died must not hide the figures measured before.
    const status = await backend
      .getJson<{ pipeline: Record<string, unknown> }>('/api/v1/scada/status')
      .catch((err: Error) => ({ pipeline: { unavailable: err.message } }));
    rss.stop();
    const peakRssMb = rss.peakKb / 1024;
    const highWaterMb = rss.highWaterKb() / 1024;
    await cleanup.run();

    const liveLost = latency.sent - latency.stored;
    const ceilingRatio = throughput.storedPerS / ceiling.perS;
    const publishErrors = throughput.publishErrors + latency.publishErrors;
    const failed = throughput.lost > 0 || liveLost > 0 || latency.arrived < latency.sent || publishErrors > 0;
    const rows: [string, string, string][] = [
      ['broker ceiling (do-nothing QoS 1 sub)', `${fmt(ceiling.perS)} msg/s`, ''],
      ['  received by the subscriber', `${fmt(ceiling.received)} / ${fmt(READINGS)}`, ''],
      ['  publish rate (broker PUBACKs)', `${fmt(ceiling.publishPerS)} msg/s`, ''],
      ['  CPU cores: bench/mosquitto/pg/other', cores(ceiling.cpu, false), ''],
      ['stored throughput', `${fmt(throughput.storedPerS)} readings/s`, ''],
      [
        '  of the broker ceiling',
        fmt(ceilingRatio, 2),
        `>= ${TARGET_CEILING_RATIO}  ${mark(ceilingRatio >= TARGET_CEILING_RATIO)}`,
      ],
      ['  first publish to last commit', `${fmt(throughput.seconds, 2)} s`, ''],
      ['  publish rate (broker PUBACKs)', `${fmt(throughput.publishPerS)} msg/s`, ''],
      ['  CPU cores: backend/bench/mosquitto/pg/other', cores(throughput.cpu), ''],
      ['  backend CPU per reading', `${fmt(throughput.backendUsPerReading)} us`, ''],
      ['readings lost', fmt(throughput.lost), `0  ${mark(throughput.lost === 0)}`],
      [
        'backend peak RSS (200 ms samples)',
        `${fmt(peakRssMb)} MB`,
        `< ${TARGET_RSS_MB}  ${mark(peakRssMb < TARGET_RSS_MB)}`,
      ],
      ['  kernel high-water mark (VmHWM)', `${fmt(highWaterMb)} MB`, ''],
      ['live latency p50', `${fmt(latency.p50)} ms`, `${fmt(LATENCY_CLIENTS)} clients`],
      ['live latency p99', `${fmt(latency.p99)} ms`, `<= ${TARGET_P99_MS}  ${mark(latency.p99 <= TARGET_P99_MS)}`],
      ['live latency max', `${fmt(latency.max)} ms`, ''],
      ['  readings measured', `${fmt(latency.measured)} in ${LATENCY_SECONDS} s`, ''],
      [`  warm-up max (first ${LATENCY_WARMUP_S} s, not above)`, `${fmt(latency.warmupMax)} ms`, ''],
      ['  achieved publish rate', `${fmt(latency.sendRate)} readings/s`, `${fmt(LATENCY_RATE)}`],
      ['  CPU cores: backend/bench/mosquitto/pg/other', cores(latency.cpu), ''],
      [
        '  arrived on Socket.IO',
        `${fmt(latency.arrived)} / ${fmt(latency.sent)}`,
        mark(latency.arrived === latency.sent),
      ],
      ['  stored', `${fmt(latency.stored)} / ${fmt(latency.sent)}`, mark(liveLost === 0)],
    ];
    console.log('');
    for (const [name, value, target] of rows) console.log(`${name.padEnd(46)}${value.padStart(30)}   ${target}`);
    console.log(`backend pipeline counters: ${JSON.stringify(status.pipeline)}`);
    if (publishErrors > 0) console.log(`!! ${publishErrors} publishes failed at the broker`);
    if (backend.logs.trim() !== '') console.log(`backend output:\n${backend.logs.trimEnd()}`);
    if (failed) {
      console.log(
        `!! READINGS LOST: ${throughput.lost} in the throughput phase; in the latency phase ${liveLost} not stored ` +
          `and ${latency.sent - latency.arrived} never reached Socket.IO`,
      );
    }
    console.log(
      JSON.stringify({
        bench: 'ingest',
        readings: READINGS,
        flood_values: FLOOD_VALUES,
        units: UNITS,
        sensor_types: SENSOR_TYPES.length,
        inflight: INFLIGHT,
        backend_env: BACKEND_ENV,
        broker_ceiling_msgs_per_s: round(ceiling.perS),
        broker_ceiling_runs_msgs_per_s: ceilingRuns.map((r) => round(r.perS)),
        stored_readings_per_s: round(throughput.storedPerS),
        stored_of_ceiling: round(ceilingRatio, 3),
        targets: { stored_of_ceiling: TARGET_CEILING_RATIO, live_p99_ms: TARGET_P99_MS, peak_rss_mb: TARGET_RSS_MB },
        stored_seconds: round(throughput.seconds, 3),
        readings_lost: throughput.lost,
        backend_peak_rss_mb: round(peakRssMb, 1),
        backend_vmhwm_mb: round(highWaterMb, 1),
        backend_cpu_us_per_reading: round(throughput.backendUsPerReading, 1),
        latency: {
          rate_per_s: LATENCY_RATE,
          clients: LATENCY_CLIENTS,
          seconds: LATENCY_SECONDS,
          warmup_seconds: LATENCY_WARMUP_S,
          warmup_max_ms: round(latency.warmupMax, 1),
          measured: latency.measured,
          sent: latency.sent,
          arrived: latency.arrived,
          stored: latency.stored,
          p50_ms: round(latency.p50, 1),
          p99_ms: round(latency.p99, 1),
          max_ms: round(latency.max, 1),
        },
        cores_busy: {
          ceiling: coresJson(ceiling.cpu),
          throughput: coresJson(throughput.cpu),
          latency: coresJson(latency.cpu),
          of: availableParallelism(),
        },
        publish_errors: publishErrors,
        pipeline: status.pipeline,
        ok: !failed,
      }),
    );
    return failed ? 1 : 0;
  });
}

exitWhenDone(main());
