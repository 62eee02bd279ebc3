/**
 * Cost-curve benchmark: how throughput, CPU per reading and memory move as a plant grows, from 100 to 10,000
 * units (4 sensor types each) and from 4 to 256 sensor types per unit (100 units). Per-sensor state (the
 * sensor-id cache, the alarm engine's rules and state, the last-value table, the live fan-out's per-unit
 * buffers) must keep the cost per reading flat; the table shows whether it does. Each shape gets a fresh database
 * and a fresh backend (the built one, its own process) against our own Mosquitto and the local PostgreSQL. Prints a
 * table, then one JSON line. Exit code 1 when a reading was lost or a shape failed, 2 past the time budget.
 *
 *   npm run bench:cost                               (builds into dist/)
 *
 * Environment: BENCH_COST_READINGS (timed readings per shape, 100000), BENCH_COST_WARMUP (untimed readings before
 * them, 20000), BENCH_COST_SHAPES (units x types, comma-separated,
 * "100x4,1000x4,10000x4,100x64,100x256"), BENCH_INFLIGHT (2000), BENCH_PG_URL (admin URL; a bench_cost_<pid>_<n>
 * database per shape is created there and dropped), BENCH_BACKEND_ENV (JSON object of extra backend variables).
 *
 * Every sensor gets one reading first (registration, timed apart: new sensors cost a database round trip each
 * batch), then the flood cycles through all sensors, so with 40,000 sensors each gets about 2.5 readings: the
 * caches are as cold per reading as a big plant makes them.
 */
import { BackendProcess } from '../test/support/backend.js';
import { connectPublisher } from '../test/support/clients.js';
import { MosquittoProcess, mosquittoInstalled } from '../test/support/mosquitto.js';
import {
  benchDatabase,
  type Cleanup,
  envInt,
  exitWhenDone,
  externalBackendEnv,
  fmt,
  now,
  round,
  sqlClient,
  useBackendBuiltWith,
  waitForRows,
  withBudget,
} from './support/bench-run.js';
import { cpuShare, cpuSnapshot, RssWatch } from './support/process-watch.js';
import { FLOOD_VALUES, historicPayloads, publishAll } from './support/reading-flood.js';

const READINGS = envInt('BENCH_COST_READINGS', 100_000);
/** Untimed readings after registration, so every shape is timed with the JIT warm, not only the large ones. */
const WARMUP = envInt('BENCH_COST_WARMUP', 20_000);
const INFLIGHT = envInt('BENCH_INFLIGHT', 2000);
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BACKEND_ENV = JSON.parse(process.env.BENCH_BACKEND_ENV ?? '{}') as Record<string, string>;
const SHAPES = (process.env.BENCH_COST_SHAPES ?? '100x4,1000x4,10000x4,100x64,100x256').split(',').map((text) => {
  const match = /^(\d+)x(\d+)$/.exec(text.trim());
  const units = Number(match?.[1]);
  const types = Number(match?.[2]);
  if (!match || units < 1 || units > 10_000 || types < 1 || types > 256) {
    throw new Error(`BENCH_COST_SHAPES: '${text}' is not <1-10000 units>x<1-256 sensor types>`);
  }
  return { units, types };
});

const REGISTER_TIMEOUT_MS = 180_000;
const STORE_TIMEOUT_MS = 120_000;
/** Five shapes with up to 40,000 sensors each, whatever hangs. */
const RUN_BUDGET_MS = 840_000;
/** Issue #22: the cost per reading stays flat as the plant grows; a shape more than this far above the first is flagged. */
const FLAT_WITHIN = 1.5;

/** The seeded alarm rules watch the first three (temperature, pressure, flow_rate); the rest are plain points. */
const BASE_TYPES = ['temperature', 'pressure', 'flow_rate', 'vibration'];
function sensorTypes(count: number): string[] {
  return Array.from({ length: count }, (_, i) => BASE_TYPES[i] ?? `point_${String(i).padStart(3, '0')}`);
}

/** C00001 ...: ids none of the simulator's units or the other benches' can be mistaken for. */
const unitId = (u: number): string => `C${String(u + 1).padStart(5, '0')}`;

interface ShapeResult {
  units: number;
  types: number;
  sensors: number;
  registerSeconds: number;
  rssAtRestMb: number;
  storedPerS: number;
  lost: number;
  backendUsPerReading: number;
  peakRssMb: number;
}

async function measureShape(
  cleanup: Cleanup,
  broker: MosquittoProcess,
  shape: { units: number; types: number },
  index: number,
): Promise<ShapeResult> {
  const id = `bench_cost_${process.pid}_${index}`;
  const { url } = await benchDatabase(cleanup, PG_ADMIN_URL, id);
  const backend = await BackendProcess.start({
    env: {
      ...externalBackendEnv(id, broker.port, url),
      // A plant this size is provisioned on purpose: the new-sensor rate limit guards against strangers, not it.
      MAX_NEW_SENSORS_PER_MINUTE: '1000000',
      MAX_UNITS: String(Math.max(10_000, shape.units)),
      MAX_SENSORS_PER_UNIT: String(Math.max(256, shape.types)),
      ...BACKEND_ENV,
    },
  });
  cleanup.add(`backend ${id}`, () => backend.stop());
  const publisher = await connectPublisher('127.0.0.1', broker.port, { clientId: `${id}_pub`, protocolVersion: 5 });
  cleanup.add(`publisher ${id}`, () => publisher.endAsync());
  const db = await sqlClient(url);
  cleanup.add(`sql client ${id}`, () => db.end());
  const rss = new RssWatch(backend.pid!);
  try {
    const types = sensorTypes(shape.types);
    const sensors = shape.units * shape.types;
    // Sensor s is unit s % units, type floor(s / units): consecutive readings go to different units.
    const topics = Array.from(
      { length: sensors },
      (_, s) => `${id}/${unitId(s % shape.units)}/${types[Math.floor(s / shape.units)]}`,
    );
    const topicOf = (i: number): number => i % sensors;
    // Distinct timestamps per phase: registration, warm-up and the timed flood never hit the same row.
    const start = Date.now() - READINGS - sensors - 3_600_000;

    const registerFrom = now();
    await publishAll(publisher, topics, historicPayloads(sensors, start - sensors - 1000), INFLIGHT, topicOf);
    const registered = await waitForRows(db, sensors, REGISTER_TIMEOUT_MS, { pauseMs: () => 200 });
    if (registered.rows < sensors) {
      throw new Error(`${shape.units}x${shape.types}: only ${registered.rows} of ${sensors} sensors registered`);
    }
    const registerSeconds = (registered.reachedAt - registerFrom) / 1000;
    const rssAtRestMb = rss.currentKb() / 1024;
    await publishAll(publisher, topics, historicPayloads(WARMUP, start - sensors - WARMUP - 2000), INFLIGHT, topicOf);
    const warm = await waitForRows(db, sensors + WARMUP, STORE_TIMEOUT_MS);
    if (warm.rows < sensors + WARMUP) throw new Error(`warm-up: ${warm.rows - sensors} of ${WARMUP} stored`);

    const cpu = cpuSnapshot();
    const published = await publishAll(publisher, topics, historicPayloads(READINGS, start), INFLIGHT, topicOf);
    const stored = await waitForRows(db, sensors + WARMUP + READINGS, STORE_TIMEOUT_MS);
    const share = cpuShare(cpu, { backendPid: backend.pid, database: id });
    const rows = stored.rows - sensors - WARMUP;
    return {
      ...shape,
      sensors,
      registerSeconds,
      rssAtRestMb,
      storedPerS: rows / ((stored.reachedAt - published.firstAt) / 1000),
      lost: READINGS - rows,
      backendUsPerReading: (share.backendSeconds * 1e6) / Math.max(rows, 1),
      peakRssMb: rss.peakKb / 1024,
    };
  } finally {
    rss.stop();
    // This shape's processes go before the next one starts, so shapes never share the machine.
    await cleanup.run();
  }
}

async function main(): Promise<number> {
  if (!mosquittoInstalled) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  useBackendBuiltWith(import.meta.url);
  const broker = await MosquittoProcess.start();
  try {
    console.log(
      `ThermaCore cost-curve benchmark: ${fmt(READINGS)} QoS 1 readings per shape, ${FLOOD_VALUES} values, shapes ` +
        `${SHAPES.map((s) => `${fmt(s.units)} units x ${s.types} types`).join(', ')}; Node ${process.version}`,
    );
    const results: ShapeResult[] = [];
    for (const [index, shape] of SHAPES.entries()) {
      process.stdout.write(`${fmt(shape.units)} units x ${shape.types} sensor types ... `);
      // Each shape has its own cleanup list and budget; a shape that fails is reported and the others still run.
      const result = await withBudget(RUN_BUDGET_MS / SHAPES.length + 60_000, async (cleanup) => {
        const r = await measureShape(cleanup, broker, shape, index);
        results.push(r);
        return 0;
      }).catch((err: unknown) => {
        console.log(`failed: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
      });
      if (result === 0) console.log(`${fmt(results[results.length - 1].storedPerS)} readings/s stored`);
    }

    const base = results[0];
    if (!base) throw new Error('no shape finished');
    console.log('');
    const header = [
      'shape',
      'sensors',
      'register',
      'RSS at rest',
      'stored/s',
      'backend us/reading',
      'peak RSS',
      'flat',
    ];
    const widths = [22, 10, 12, 13, 12, 20, 10, 8];
    const line = (cells: string[]): string =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('');
    console.log(line(header));
    for (const r of results) {
      const ratio = r.backendUsPerReading / base.backendUsPerReading;
      console.log(
        line([
          `${fmt(r.units)} x ${r.types}`,
          fmt(r.sensors),
          `${fmt(r.registerSeconds, 1)} s`,
          `${fmt(r.rssAtRestMb)} MB`,
          fmt(r.storedPerS),
          `${fmt(r.backendUsPerReading, 1)} (${fmt(ratio, 2)}x)`,
          `${fmt(r.peakRssMb)} MB`,
          ratio <= FLAT_WITHIN ? 'ok' : 'MISSED',
        ]),
      );
    }
    console.log(
      `target: backend CPU per reading within ${FLAT_WITHIN}x of the ${fmt(base.units)} x ${base.types} shape's ` +
        '(flat per reading); memory is a figure (per-sensor state grows with sensors by design)',
    );
    const lost = results.reduce((n, r) => n + r.lost, 0);
    const failed = results.length < SHAPES.length || lost > 0;
    if (lost > 0) console.log(`!! READINGS LOST: ${lost}`);
    console.log(
      JSON.stringify({
        bench: 'cost-curve',
        readings_per_shape: READINGS,
        flood_values: FLOOD_VALUES,
        backend_env: BACKEND_ENV,
        flat_within: FLAT_WITHIN,
        shapes: results.map((r) => ({
          units: r.units,
          sensor_types: r.types,
          sensors: r.sensors,
          register_seconds: round(r.registerSeconds, 1),
          rss_at_rest_mb: round(r.rssAtRestMb, 1),
          stored_readings_per_s: round(r.storedPerS),
          readings_lost: r.lost,
          backend_cpu_us_per_reading: round(r.backendUsPerReading, 1),
          peak_rss_mb: round(r.peakRssMb, 1),
        })),
        ok: !failed,
      }),
    );
    return failed ? 1 : 0;
  } finally {
    await broker.stop();
  }
}

exitWhenDone(main());
