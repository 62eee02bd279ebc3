/**
 * Simulator load benchmark: the highest rate the simulator sustains, and what the rest of the pipeline does at
 * each rate. The built backend runs as its own process with the simulator inside it, as an operator runs load mode;
 * the bench only starts and stops the simulator over REST and reads the counters, so every reading takes the real
 * path (simulator → MQTT broker → ingest → processor → database writer, and Socket.IO fan-out).
 *
 *   npm run bench:simulator                                   embedded broker and database (as `npm start`)
 *   E2E_TARGET=services npm run bench:simulator               its own Mosquitto and the local PostgreSQL
 *   npx tsc -p tsconfig.build.json && node dist/bench/simulator.bench.js
 *
 * Environment: BENCH_RATES (readings/s per step, comma-separated; 10000,25000,50000,75000,100000), BENCH_UNITS
 * (1000), BENCH_SECONDS (measured seconds per step, 15), BENCH_QOS (0 or 1, 0), PG_URL as for the e2e specs.
 *
 * First the simulator alone (its plant model and MQTT publisher in this process, publishing tick after tick as fast
 * as the broker takes them, nobody subscribed): its own ceiling. Then the backend, step by step. Each step: start at the rate, let it settle for 3 s, measure for BENCH_SECONDS, stop, then wait for the pipeline
 * to drain (at most 60 s) before counting what was stored, dropped and lost. Every process here shares the
 * machine's cores (the load average is printed), so a figure taken while other work held them says as much about
 * the machine as about the backend.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Logger } from '@nestjs/common';
import { EmbeddedBroker } from '../src/common/embedded/embedded-broker.js';
import { PlantModel } from '../src/simulator/plant-model.js';
import { SimulatorPublisher } from '../src/simulator/simulator.publisher.js';
import { ALWAYS_ONLINE } from '../src/simulator/unit-status.js';
import { BackendProcess } from '../test/support/backend.js';
import { MosquittoProcess, mosquittoInstalled } from '../test/support/mosquitto.js';
import { createTarget, TARGET, type TestTarget } from '../test/support/target.js';

function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${name} must list positive integers`);
  return list;
}

const RATES = envList('BENCH_RATES', [10_000, 25_000, 50_000, 75_000, 100_000]);
const [UNITS] = envList('BENCH_UNITS', [1000]);
const [SECONDS] = envList('BENCH_SECONDS', [15]);
const QOS = process.env.BENCH_QOS === '1' ? '1' : '0';
const SETTLE_MS = 3000;
const DRAIN_TIMEOUT_MS = 60_000;
const SAMPLE_MS = 250;
/** The whole run stops here, whatever hangs. */
const RUN_BUDGET_MS = 15 * 60_000;
/** The simulator "sustains" a rate when it publishes at least this share of it, skipping no tick. */
const SUSTAINED_SHARE = 0.97;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface SimStatus {
  running: boolean;
  interval_ms: number;
  started_at: string;
  stopped_at: string;
  readings_published: number;
  rate: { target: number; achieved: number };
  ticks: { published: number; skipped_late: number; skipped_backpressure: number; skipped_disconnected: number };
}

interface Pipeline {
  received: number;
  accepted: number;
  stored: number;
  dropped: number;
  rejected: number;
  write_errors: number;
}

interface ScadaStatus {
  pipeline: Pipeline;
  database: { pending_writes: number };
}

interface StepResult {
  target_rate: number;
  interval_ms: number;
  /** Readings published over the run's span of ticks. */
  achieved_rate: number;
  /** The simulator's own figure (last 10 s) at the end of the measured window. */
  achieved_rate_sim_window: number;
  skipped_ticks_late: number;
  skipped_ticks_backpressure: number;
  sustained: boolean;
  received_per_s: number;
  stored_per_s: number;
  published: number;
  received: number;
  stored_after_drain: number;
  dropped: number;
  rejected: number;
  lost_in_transport: number;
  drain_s: number | null;
  max_pending_writes: number;
  backend_rss_peak_mb: number;
  backend_cpu_percent: number;
  load_avg_1m: number;
}

/**
 * The simulator's own ceiling: ticks of UNITS units back to back for SECONDS, through the same publisher the service
 * uses, to a broker nobody reads from (Mosquitto in its own process, or aedes in this one as in the embedded mode).
 */
async function simulatorAlone(host: string, port: number): Promise<{ per_s: number; cpu_percent: number }> {
  const plant = new PlantModel({ units: UNITS, seed: 1, status: ALWAYS_ONLINE });
  const publisher = new SimulatorPublisher({
    host,
    port,
    clientId: `bench_alone_${process.pid}`,
    keepalive: 60,
    topicPrefix: 'bench_alone',
    qos: 0,
  });
  if (!(await publisher.waitConnected(10_000))) throw new Error(`no broker at ${host}:${port}`);
  const start = performance.now();
  const cpu = process.cpuUsage();
  let t = Date.now();
  while (performance.now() - start < SECONDS * 1000) {
    if (publisher.blocked(UNITS * 4) === undefined) {
      publisher.publish(plant.tick(t));
      t += 80;
    }
    // Let the socket write (and an in-process broker read) between ticks.
    await new Promise((r) => setImmediate(r));
  }
  const elapsed = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const result = {
    per_s: Math.round(publisher.readingsPublished / elapsed),
    cpu_percent: Math.round(((used.user + used.system) / 1e6 / elapsed) * 100),
  };
  await publisher.end();
  return result;
}

/** Resident memory of a process in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error(`Benchmark exceeded ${RUN_BUDGET_MS / 60_000} min; stopping`);
    process.exit(2);
  }, RUN_BUDGET_MS);
  deadline.unref();

  let broker: MosquittoProcess | undefined;
  if (TARGET === 'services') {
    // Our own broker: a load run must not flood the machine's shared Mosquitto, which other test runs use.
    if (!mosquittoInstalled) throw new Error('E2E_TARGET=services needs mosquitto installed');
    broker = await MosquittoProcess.start();
  }
  Logger.overrideLogger(['error', 'warn']);
  let alone: { per_s: number; cpu_percent: number };
  if (broker) alone = await simulatorAlone('127.0.0.1', broker.port);
  else {
    const embedded = await EmbeddedBroker.start('127.0.0.1', 0);
    alone = await simulatorAlone('127.0.0.1', embedded.port);
    await embedded.stop();
  }
  console.log(
    `Simulator alone (${UNITS} units, ticks back to back, ${broker ? 'Mosquitto' : 'in-process aedes'}): ` +
      `${alone.per_s} readings/s at ${alone.cpu_percent} % CPU of this process`,
  );

  const target: TestTarget = await createTarget('bench_simulator', broker?.port);
  const backend = await BackendProcess.start({
    env: {
      ...target.env,
      LOG_LEVEL: 'warn',
      SIMULATOR_QOS: QOS,
      // Every unit online all the time, so the target rate is exactly units × 4 per tick.
      SIMULATOR_OUTAGE_INTERVAL_S: '0',
      SIMULATOR_MAINTENANCE_INTERVAL_S: '0',
    },
  });
  const pid = backend.pid!;
  const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const reply = await backend.request<T>(method, path, body);
    if (reply.status >= 400) throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
    return reply.body;
  };
  const pipeline = async (): Promise<ScadaStatus> => api<ScadaStatus>('GET', '/api/v1/scada/status');

  console.log(
    `Simulator benchmark (${TARGET}): ${UNITS} units, QoS ${QOS}, ${SECONDS} s per step, rates ${RATES.join(', ')}/s`,
  );
  const results: StepResult[] = [];
  try {
    for (const rate of RATES) {
      const before = (await pipeline()).pipeline;
      await api('POST', '/api/v1/scada/simulator/start', { units: UNITS, rate });
      await sleep(SETTLE_MS);

      const t0 = performance.now();
      const p0 = (await pipeline()).pipeline;
      const cpu0 = cpuSeconds(pid);
      let rssPeak = rssMb(pid);
      let pendingPeak = 0;
      while (performance.now() - t0 < SECONDS * 1000) {
        await sleep(SAMPLE_MS);
        rssPeak = Math.max(rssPeak, rssMb(pid));
        pendingPeak = Math.max(pendingPeak, (await pipeline()).database.pending_writes);
      }
      const sim1 = await api<SimStatus>('GET', '/api/v1/scada/simulator/status');
      const p1 = (await pipeline()).pipeline;
      const elapsed = (performance.now() - t0) / 1000;
      const cpu = ((cpuSeconds(pid) - cpu0) / elapsed) * 100;
      const final = await api<SimStatus>('POST', '/api/v1/scada/simulator/stop');

      // Drained once every reading the broker delivered is stored, dropped or rejected, or nothing moves for 3 s.
      const drainStart = performance.now();
      let drained: number | null = null;
      let last = -1;
      let still = 0;
      let after = p1;
      while (performance.now() - drainStart < DRAIN_TIMEOUT_MS) {
        const s = await pipeline();
        after = s.pipeline;
        rssPeak = Math.max(rssPeak, rssMb(pid));
        const settled = after.stored + after.dropped + after.rejected;
        if (s.database.pending_writes === 0 && settled >= after.received) {
          drained = (performance.now() - drainStart) / 1000;
          break;
        }
        still = settled === last ? still + SAMPLE_MS : 0;
        last = settled;
        if (still >= 3000) break;
        await sleep(SAMPLE_MS);
      }
      const received = after.received - before.received;
      const skipped = final.ticks.skipped_late + final.ticks.skipped_backpressure;
      const published = final.readings_published;
      // Over the whole run, on its own grid (first tick on the whole second after the start): readings published
      // over the grid points that came due before the stop, skipped ones included. Exact whatever the tick size,
      // where a delta between two status calls is off by up to one tick.
      const origin = Math.ceil(Date.parse(final.started_at) / 1000) * 1000;
      const due = Math.floor((Date.parse(final.stopped_at) - origin) / final.interval_ms) + 1;
      const achieved = published / ((due * final.interval_ms) / 1000);
      const result: StepResult = {
        target_rate: rate,
        interval_ms: final.interval_ms,
        achieved_rate: Math.round(achieved),
        achieved_rate_sim_window: Math.round(sim1.rate.achieved),
        skipped_ticks_late: final.ticks.skipped_late,
        skipped_ticks_backpressure: final.ticks.skipped_backpressure,
        sustained: achieved >= SUSTAINED_SHARE * rate && skipped === 0,
        received_per_s: Math.round((p1.received - p0.received) / elapsed),
        stored_per_s: Math.round((p1.stored - p0.stored) / elapsed),
        published,
        received,
        stored_after_drain: after.stored - before.stored,
        dropped: after.dropped - before.dropped,
        rejected: after.rejected - before.rejected,
        lost_in_transport: published - received,
        drain_s: drained === null ? null : Math.round(drained * 10) / 10,
        max_pending_writes: pendingPeak,
        backend_rss_peak_mb: Math.round(rssPeak),
        backend_cpu_percent: Math.round(cpu),
        load_avg_1m: Math.round(loadavg()[0] * 100) / 100,
      };
      results.push(result);
      console.log(
        `rate ${rate}/s: simulator ${result.achieved_rate}/s (${result.sustained ? 'sustained' : 'NOT sustained'}, ` +
          `skipped ${result.skipped_ticks_late} late + ${result.skipped_ticks_backpressure} backpressure); ` +
          `pipeline received ${result.received_per_s}/s, stored ${result.stored_per_s}/s; after drain ` +
          `${result.stored_after_drain}/${published} stored, ${result.dropped} dropped, ${result.rejected} rejected, ` +
          `${result.lost_in_transport} lost before the backend (drain ${result.drain_s ?? '> timeout'} s); ` +
          `backend RSS peak ${result.backend_rss_peak_mb} MB, CPU ${result.backend_cpu_percent} %, load ${result.load_avg_1m}`,
      );
    }
  } finally {
    await backend.stop();
    await target.dispose();
    await broker?.stop();
  }

  console.table(
    results.map((r) => ({
      'target/s': r.target_rate,
      'sim/s': r.achieved_rate,
      sustained: r.sustained,
      'stored/s': r.stored_per_s,
      stored: r.stored_after_drain,
      published: r.published,
      dropped: r.dropped,
      lost: r.lost_in_transport,
      'rss MB': r.backend_rss_peak_mb,
      'cpu %': r.backend_cpu_percent,
    })),
  );
  const best = results.filter((r) => r.sustained).at(-1);
  const keptUp = results.filter((r) => r.stored_after_drain === r.published && r.dropped === 0).at(-1);
  console.log(
    `Highest rate the simulator sustained: ${best ? `${best.target_rate}/s (${best.achieved_rate}/s)` : 'none'}; ` +
      `highest with every reading stored: ${keptUp ? `${keptUp.target_rate}/s` : 'none'}`,
  );
  console.log(
    JSON.stringify({
      target: TARGET,
      units: UNITS,
      qos: Number(QOS),
      seconds: SECONDS,
      simulator_alone: alone,
      results,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
