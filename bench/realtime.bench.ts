/**
 * Realtime benchmark: what the Socket.IO side delivers with 1,000, 5,000 and 20,000 connected clients. Readings are
 * published over MQTT (our own Mosquitto) to the built backend (its own process, the local PostgreSQL), and
 * Socket.IO clients in separate child processes, spread evenly over the unit rooms, receive them. Each reading
 * carries its publish time as its timestamp, so the client's receive time minus that timestamp is the
 * publish-to-client latency (one machine, one clock). Prints a table, then one JSON line. Exit code 1 when a
 * phase failed or a client lost its connection, 2 when the run overran its time budget.
 *
 *   npm run bench:realtime                           (builds into dist/)
 *
 * A phase with more clients than BENCH_RT_CLIENTS_PER_INSTANCE (10,000) runs on as many backend instances as it
 * needs, linked by our own Redis (REDIS_URL) and splitting the MQTT stream (MQTT_SHARED_GROUP), as docs/scale-out.md
 * deploys them: one process cannot hold 20,000 sockets here (the machine's hard limit is 20,000 open files per
 * process), and a load balancer would spread them anyway. Its clients are spread evenly over the instances, and its
 * memory is the sum of the instances'.
 *
 * Environment: BENCH_RT_CLIENTS (comma-separated client counts, "1000,5000,20000"), BENCH_RT_RATE (readings/s, 400:
 * every sensor once a second, as HMIs typically see a plant), BENCH_RT_CLIENT_PROCESSES (at least 2, and one per
 * 5,000 clients), BENCH_RT_CLIENTS_PER_INSTANCE (10000), BENCH_RT_SECONDS (measured seconds per phase, 10),
 * BENCH_PG_URL (admin URL; a bench_rt_<pid> database is created and dropped), BENCH_BACKEND_ENV (JSON object of
 * extra backend variables).
 *
 * Everything shares this machine's cores: the client processes decoding every event for thousands of sockets cost
 * about as much CPU as the server sending them, and their event-loop delay is part of the latency measured. Each
 * phase prints where the CPU went over its measured seconds (backends, client processes, the rest; and the kernel's
 * part, mostly loopback TCP), so a missed bar says whether the machine had any to spare.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import type { Socket } from 'socket.io-client';
import { BackendProcess, newApiKey } from '../test/support/backend.js';
import { connectPublisher, connectSocket, request } from '../test/support/clients.js';
import { MosquittoProcess, mosquittoInstalled } from '../test/support/mosquitto.js';
import { RedisProcess, redisInstalled } from '../test/support/redis.js';
import { envInt, fmt, round, sqlClient } from './support/bench-run.js';
import { groupCores, type GroupCpuMark, markGroupCpu, RssWatch } from './support/process-watch.js';

const CLIENT_COUNTS = (process.env.BENCH_RT_CLIENTS ?? '1000,5000,20000').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n <= 0 || n > 40_000) throw new Error(`BENCH_RT_CLIENTS: '${s}' is not 1-40000`);
  return n;
});
const RATE = envInt('BENCH_RT_RATE', 400);
const MIN_CLIENT_PROCESSES = envInt('BENCH_RT_CLIENT_PROCESSES', 2);
/** Sockets one client process holds at most (its event loop decodes every event they get). */
const CLIENTS_PER_PROCESS = 5_000;
const CLIENTS_PER_INSTANCE = envInt('BENCH_RT_CLIENTS_PER_INSTANCE', 10_000);
const SECONDS = envInt('BENCH_RT_SECONDS', 10);
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BACKEND_ENV = JSON.parse(process.env.BENCH_BACKEND_ENV ?? '{}') as Record<string, string>;

const UNITS = 100;
const SENSOR_TYPES = ['temperature', 'pressure', 'flow_rate', 'vibration'] as const;
/** Values inside every seeded alarm rule's limits (temperature > 85, pressure > 9, flow_rate < 20): this measures the
 * live path, not an alarm storm to every client. */
const SENSOR_BASE = [50, 5, 50, 2];
const WARMUP_S = 2;
/** After the last publish, each client process reports once nothing has arrived for QUIET_MS, or after MAX_DRAIN_MS. */
const QUIET_MS = 1000;
const MAX_DRAIN_MS = 30_000;
const TICK_MS = 10;
const CONNECT_BATCH = 250;
const CONNECT_TIMEOUT_MS = 420_000;
/** Latency histogram: 1 ms buckets up to this, the last bucket holds everything slower. */
const HISTOGRAM_MS = 30_000;
/** Connecting thousands of clients on a loaded machine is slow; the run still has a hard stop. */
const RUN_BUDGET_MS = 1_200_000;
/** Issue #22's bar for the largest phase: p99 publish -> client within this, all instances together under 1 GB. */
const TARGET_CLIENTS = 20_000;
const TARGET_P99_MS = 50;
const TARGET_RSS_MB = 1024;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const unitId = (i: number): string => `RT${String(i + 1).padStart(3, '0')}`;

// ---------------------------------------------------------------------------------------------------------------
// Client process: connects the sockets, receives, and reports counts and a latency histogram.

type ToClients = { type: 'measure'; from: number; to: number } | { type: 'report' };
type FromClients =
  | { type: 'ready'; connected: number; connectSeconds: number }
  | { type: 'report'; events: number; readings: number; histogram: number[]; errors: string[]; drained: boolean }
  | { type: 'failed'; error: string };

async function clientProcess(url: string, count: number, first: number): Promise<void> {
  const send = (message: FromClients): void => void process.send?.(message);
  const sockets: Socket[] = [];
  const histogram = new Uint32Array(HISTOGRAM_MS + 1);
  let events = 0;
  let readings = 0;
  let from = Number.POSITIVE_INFINITY;
  let to = Number.POSITIVE_INFINITY;
  const errors: string[] = [];
  let lastAt = 0;
  const onData = (event: { readings: { timestamp: string }[] }): void => {
    const at = Date.now();
    lastAt = at;
    let counted = false;
    for (const r of event.readings) {
      const sentAt = Date.parse(r.timestamp);
      if (sentAt < from || sentAt >= to) continue;
      counted = true;
      readings++;
      histogram[Math.min(HISTOGRAM_MS, Math.max(0, at - sentAt))]++;
    }
    if (counted) events++;
  };
  const started = Date.now();
  try {
    for (let i = 0; i < count; i += CONNECT_BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(CONNECT_BATCH, count - i) }, async (_, j) => {
          const socket = await connectSocket(url, process.env.BENCH_RT_TOKEN);
          socket.on('sensor_data', onData);
          socket.on('disconnect', (reason: string) => {
            if (errors.length < 10) errors.push(`socket ${i + j} disconnected: ${reason}`);
          });
          const ack = await request<{ ok: boolean; error?: string }>(socket, 'subscribe_unit', {
            unit_id: unitId((first + i + j) % UNITS),
          });
          if (!ack.ok) throw new Error(`subscribe_unit refused: ${ack.error}`);
          return socket;
        }),
      );
      sockets.push(...batch);
    }
  } catch (err) {
    send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
    return;
  }
  send({ type: 'ready', connected: sockets.length, connectSeconds: (Date.now() - started) / 1000 });
  process.on('message', (message: ToClients) => {
    if (message.type === 'measure') {
      from = message.from;
      to = message.to;
    } else {
      // Whatever is still on its way (kernel buffers, this process's own backlog) counts, late as it is.
      const asked = Date.now();
      const timer = setInterval(() => {
        const drained = Date.now() - Math.max(lastAt, asked) > QUIET_MS;
        if (!drained && Date.now() - asked < MAX_DRAIN_MS) return;
        clearInterval(timer);
        send({ type: 'report', events, readings, histogram: [...histogram], errors, drained });
        for (const s of sockets) s.disconnect();
        setTimeout(() => process.exit(0), 200);
      }, 100);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Orchestration.

function percentile(histogram: number[], total: number, p: number): number {
  if (total === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let ms = 0; ms < histogram.length; ms++) {
    seen += histogram[ms];
    if (seen >= rank) return ms;
  }
  return histogram.length - 1;
}

function maxOf(histogram: number[]): number {
  for (let ms = histogram.length - 1; ms >= 0; ms--) if (histogram[ms] > 0) return ms;
  return Number.NaN;
}

function nextMessage(child: ChildProcess, timeoutMs: number): Promise<FromClients> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client process: no answer in ${timeoutMs / 1000} s`)), timeoutMs);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`client process exited with ${code}`));
    };
    child.once('exit', onExit);
    child.once('message', (m: FromClients) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(m);
    });
  });
}

interface PhaseResult {
  clients: number;
  /** Backend instances the clients were spread over (linked by Redis when more than one). */
  instances: number;
  clientProcesses: number;
  connectSeconds: number;
  /** Every client process saw a quiet second before reporting (nothing was still arriving). */
  drained: boolean;
  published: number;
  publishRate: number;
  expectedDeliveries: number;
  readingsDelivered: number;
  eventsPerS: number;
  readingsPerS: number;
  p50: number;
  p99: number;
  max: number;
  /** Summed over the instances. */
  rssAtLoadMb: number;
  /** The sum of each instance's peak (an upper bound of their peaks' coinciding). */
  peakRssMb: number;
  /** Each instance's websocket event and slow-client counters, from its /health. */
  serverCounters: unknown[];
  /** Average busy cores over the measured seconds: the backends, the client processes, everything else. */
  cpu: { backends: number; backendsKernel: number; clients: number; clientsKernel: number; other: number };
  errors: string[];
}

async function runPhase(
  clients: number,
  backends: BackendProcess[],
  publisher: MqttClient,
  prefix: string,
): Promise<PhaseResult> {
  // Decoding every event for thousands of sockets is more than one event loop does: the clients are split over
  // client processes, each taking a contiguous share of the rooms' members and talking to one instance.
  const processes = Math.max(MIN_CLIENT_PROCESSES, backends.length, Math.ceil(clients / CLIENTS_PER_PROCESS));
  const children: ChildProcess[] = [];
  let first = 0;
  for (let p = 0; p < processes; p++) {
    const count = Math.floor(clients / processes) + (p < clients % processes ? 1 : 0);
    const backend = backends[p % backends.length];
    children.push(
      fork(fileURLToPath(import.meta.url), ['--clients', backend.url, String(count), String(first)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        // The key travels in the environment, not on the command line where any process listing would show it.
        env: { ...process.env, BENCH_RT_TOKEN: backend.token },
      }),
    );
    first += count;
  }
  try {
    const readies = await Promise.all(children.map((c) => nextMessage(c, CONNECT_TIMEOUT_MS)));
    let connectSeconds = 0;
    for (const ready of readies) {
      if (ready.type !== 'ready') throw new Error(ready.type === 'failed' ? ready.error : 'unexpected message');
      connectSeconds = Math.max(connectSeconds, ready.connectSeconds);
    }
    const watches = backends.map((b) => new RssWatch(b.pid!));
    const total = RATE * (WARMUP_S + SECONDS);
    const started = Date.now();
    const from = started + WARMUP_S * 1000;
    const to = from + SECONDS * 1000;
    for (const c of children) c.send({ type: 'measure', from, to } satisfies ToClients);

    const topics = Array.from(
      { length: UNITS * SENSOR_TYPES.length },
      (_, i) => `${prefix}/${unitId(i % UNITS)}/${SENSOR_TYPES[Math.floor(i / UNITS)]}`,
    );
    // A sensor never gets the same millisecond twice (the second reading would be absorbed as a redelivery).
    const lastStamp = new Float64Array(topics.length);
    let sent = 0;
    let inWindow = 0;
    let rssAtLoadKb = 0;
    // Where the CPU goes over the measured seconds: on 2 shared cores, whether the phase had CPU to spare.
    const processGroups = { backends: backends.map((b) => b.pid!), clients: children.map((c) => c.pid!) };
    let cpuFrom: GroupCpuMark<keyof typeof processGroups> | undefined;
    let cpuTo: GroupCpuMark<keyof typeof processGroups> | undefined;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((Date.now() - started) * RATE) / 1000));
        for (; sent < due; sent++) {
          const s = sent % topics.length;
          const stamp = Math.max(Date.now(), lastStamp[s] + 1);
          lastStamp[s] = stamp;
          if (stamp >= from && stamp < to) inWindow++;
          publisher.publish(
            topics[s],
            `{"value":${SENSOR_BASE[Math.floor(s / UNITS)] + (sent % 100) / 100},"quality":"GOOD","timestamp":"${new Date(stamp).toISOString()}"}`,
            { qos: 0 },
          );
        }
        if (cpuFrom === undefined && Date.now() >= from) cpuFrom = markGroupCpu(processGroups);
        if (cpuTo === undefined && Date.now() >= to) cpuTo = markGroupCpu(processGroups);
        if (rssAtLoadKb === 0 && Date.now() > from + (SECONDS * 1000) / 2) {
          rssAtLoadKb = watches.reduce((sum, w) => sum + w.currentKb(), 0);
        }
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });
    const publishSeconds = (Date.now() - started) / 1000;
    const cpuEnd = cpuTo ?? markGroupCpu(processGroups);
    const used = groupCores(cpuFrom ?? cpuEnd, cpuEnd);
    const cpu = {
      backends: used.cores.backends,
      backendsKernel: used.kernel.backends,
      clients: used.cores.clients,
      clientsKernel: used.kernel.clients,
      other: used.other,
    };
    const reports = await Promise.all(
      children.map((c) => {
        const answer = nextMessage(c, MAX_DRAIN_MS + 10_000);
        c.send({ type: 'report' } satisfies ToClients);
        return answer;
      }),
    );
    for (const w of watches) w.stop();
    const report = {
      events: 0,
      readings: 0,
      histogram: new Array<number>(HISTOGRAM_MS + 1).fill(0),
      errors: [] as string[],
    };
    let drained = true;
    for (const r of reports) {
      if (r.type !== 'report') throw new Error(r.type === 'failed' ? r.error : 'unexpected message');
      report.events += r.events;
      report.readings += r.readings;
      r.histogram.forEach((n, ms) => (report.histogram[ms] += n));
      report.errors.push(...r.errors);
      drained &&= r.drained;
    }
    const serverCounters: unknown[] = [];
    for (const b of backends) {
      const { websocket } = await b.getJson<{ websocket: Record<string, unknown> }>('/health');
      serverCounters.push({ events: websocket.events, slow_clients: websocket.slow_clients });
    }
    return {
      clients,
      instances: backends.length,
      clientProcesses: processes,
      connectSeconds,
      drained,
      published: total,
      publishRate: total / publishSeconds,
      expectedDeliveries: inWindow * (clients / UNITS),
      readingsDelivered: report.readings,
      eventsPerS: report.events / SECONDS,
      readingsPerS: report.readings / SECONDS,
      p50: percentile(report.histogram, report.readings, 0.5),
      p99: percentile(report.histogram, report.readings, 0.99),
      max: maxOf(report.histogram),
      rssAtLoadMb: rssAtLoadKb / 1024,
      peakRssMb: watches.reduce((sum, w) => sum + w.peakKb, 0) / 1024,
      serverCounters,
      cpu,
      errors: report.errors,
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }
}

/** The bar a phase is held to, printed next to its figures (only the largest phase has one, see issue #22). */
function targetOf(r: PhaseResult): string {
  if (r.clients < TARGET_CLIENTS) return '';
  const met = r.p99 <= TARGET_P99_MS && r.peakRssMb < TARGET_RSS_MB;
  return `target p99 <= ${TARGET_P99_MS} ms under ${fmt(TARGET_RSS_MB)} MB: ${met ? 'met' : 'MISSED'}`;
}

async function main(): Promise<number> {
  if (!mosquittoInstalled) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  process.env.BACKEND_MAIN ??= join(dirname(fileURLToPath(import.meta.url)), '../src/main.js');
  const stops: { name: string; run: () => Promise<unknown> }[] = [];
  const cleanup = async (): Promise<void> => {
    for (const step of stops.splice(0).reverse()) {
      await step.run().catch((err: unknown) => console.error(`cleanup: ${step.name}: ${String(err)}`));
    }
  };
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${RUN_BUDGET_MS / 1000} s, giving up`);
    void cleanup().finally(() => process.exit(2));
  }, RUN_BUDGET_MS);
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  const id = `bench_rt_${process.pid}`;
  try {
    const broker = await MosquittoProcess.start();
    stops.push({ name: 'mosquitto', run: () => broker.stop() });
    const admin = await sqlClient(PG_ADMIN_URL);
    await admin.query(`CREATE DATABASE ${id}`);
    await admin.end();
    stops.push({
      name: 'database',
      run: async () => {
        const client = await sqlClient(PG_ADMIN_URL);
        try {
          await client.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
        } finally {
          await client.end();
        }
      },
    });
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${id}`;

    // One admin key for every instance (the first provisions it in the shared database, the others find it).
    const adminKey = newApiKey();
    let redis: RedisProcess | undefined;
    const backends: BackendProcess[] = [];
    const stopBackends = async (): Promise<void> => {
      for (const b of backends.splice(0)) await b.stop();
    };
    stops.push({ name: 'backends', run: stopBackends });
    /** The instances a phase runs on: one, or several linked by Redis that split the MQTT stream. */
    const useInstances = async (instances: number): Promise<BackendProcess[]> => {
      if (backends.length === instances) return backends;
      await stopBackends();
      if (instances > 1 && !redis) {
        if (!redisInstalled) throw new Error('redis-server is not installed (apt-get install redis-server)');
        const started = await RedisProcess.start();
        redis = started;
        stops.splice(1, 0, { name: 'redis', run: () => started.stop() });
      }
      // One after the other: the first one applies the migrations.
      for (let i = 0; i < instances; i++) {
        backends.push(
          await BackendProcess.start({
            env: {
              NODE_ENV: 'production',
              HOST: '127.0.0.1',
              DATABASE_URL: url.toString(),
              MQTT_BROKER_HOST: '127.0.0.1',
              MQTT_BROKER_PORT: String(broker.port),
              MQTT_TOPIC_PREFIX: id,
              MQTT_CLIENT_ID: `${id}_backend_${instances}_${i}`,
              AUTH_BOOTSTRAP_ADMIN_KEY: adminKey,
              LOG_LEVEL: 'warn',
              ...(instances > 1 ? { REDIS_URL: redis!.url, MQTT_SHARED_GROUP: `${id}_${instances}` } : {}),
              ...BACKEND_ENV,
            },
          }),
        );
      }
      return backends;
    };
    const instancesFor = (clients: number): number => Math.ceil(clients / CLIENTS_PER_INSTANCE);
    await useInstances(instancesFor(CLIENT_COUNTS[0]));
    const publisher = await connectPublisher('127.0.0.1', broker.port, { clientId: `${id}_pub`, protocolVersion: 5 });
    stops.push({ name: 'publisher', run: () => publisher.endAsync() });

    // Every unit reports once, so the clients can subscribe (the gateway refuses units it has never seen).
    const db = await sqlClient(url.toString());
    stops.push({ name: 'sql client', run: () => db.end() });
    // Every sensor reports once before the clock runs, so no phase pays for registering sensors (a database round
    // trip the pipeline waits for), and the clients can subscribe (the gateway refuses units it has never seen).
    const seedAt = Date.now() - 60_000;
    await Promise.all(
      Array.from({ length: UNITS * SENSOR_TYPES.length }, (_, i) =>
        publisher.publishAsync(
          `${id}/${unitId(i % UNITS)}/${SENSOR_TYPES[Math.floor(i / UNITS)]}`,
          `{"value":${SENSOR_BASE[Math.floor(i / UNITS)]},"timestamp":"${new Date(seedAt).toISOString()}"}`,
          { qos: 1 },
        ),
      ),
    );
    const sensors = UNITS * SENSOR_TYPES.length;
    for (let i = 0; ; i++) {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sensor_readings');
      if (rows[0].n >= sensors) break;
      if (i > 300) throw new Error(`only ${rows[0].n} of ${sensors} seed readings stored`);
      await sleep(100);
    }

    console.log(
      `ThermaCore realtime benchmark: ${CLIENT_COUNTS.map((n) => fmt(n)).join(' and ')} Socket.IO clients over ${UNITS} unit rooms, ` +
        `${fmt(RATE)} readings/s over ${UNITS} units x ${SENSOR_TYPES.length} sensors for ${WARMUP_S} + ${SECONDS} s each; ` +
        `up to ${fmt(CLIENTS_PER_PROCESS)} clients per child process and ${fmt(CLIENTS_PER_INSTANCE)} per backend instance; ` +
        `${availableParallelism()} cores shared by everything; Node ${process.version}`,
    );
    const results: PhaseResult[] = [];
    for (const clients of CLIENT_COUNTS) {
      process.stdout.write(`${fmt(clients)} clients ... `);
      const result = await runPhase(clients, await useInstances(instancesFor(clients)), publisher, id);
      results.push(result);
      console.log(`${fmt(result.eventsPerS)} events/s delivered, p99 ${fmt(result.p99)} ms`);
      await sleep(2000); // the previous phase's sockets close
    }
    await cleanup();
    clearTimeout(watchdog);

    console.log('');
    const rows: [string, ...string[]][] = [
      ['clients', ...results.map((r) => fmt(r.clients))],
      ['  backend instances (Redis-linked)', ...results.map((r) => fmt(r.instances))],
      ['  client processes', ...results.map((r) => fmt(r.clientProcesses))],
      ['  connected and subscribed in', ...results.map((r) => `${fmt(r.connectSeconds, 1)} s`)],
      ['achieved publish rate', ...results.map((r) => `${fmt(r.publishRate)} readings/s`)],
      ['sensor_data events delivered', ...results.map((r) => `${fmt(r.eventsPerS)} /s`)],
      ['readings delivered', ...results.map((r) => `${fmt(r.readingsPerS)} /s`)],
      [
        '  all arrived before reporting',
        ...results.map((r) => (r.drained ? 'yes' : `no (after ${MAX_DRAIN_MS / 1000} s)`)),
      ],
      [
        '  of the expected deliveries',
        ...results.map((r) => `${fmt((100 * r.readingsDelivered) / r.expectedDeliveries, 2)} %`),
      ],
      ['latency publish -> client p50', ...results.map((r) => `${fmt(r.p50)} ms`)],
      ['latency publish -> client p99', ...results.map((r) => `${fmt(r.p99)} ms`)],
      ['latency max', ...results.map((r) => `${fmt(r.max)} ms`)],
      [
        'CPU cores: backends/clients/other',
        ...results.map(
          (r) =>
            `${fmt(r.cpu.backends, 2)}/${fmt(r.cpu.clients, 2)}/${fmt(r.cpu.other, 2)} of ${availableParallelism()}`,
        ),
      ],
      [
        '  of which in the kernel',
        ...results.map((r) => `${fmt(r.cpu.backendsKernel, 2)}/${fmt(r.cpu.clientsKernel, 2)}`),
      ],
      [
        '  backend CPU per client event',
        ...results.map((r) => `${fmt((1e6 * r.cpu.backends) / Math.max(1, r.eventsPerS), 1)} us`),
      ],
      ['backend RSS under load (all)', ...results.map((r) => `${fmt(r.rssAtLoadMb)} MB`)],
      ['backend peak RSS (all)', ...results.map((r) => `${fmt(r.peakRssMb)} MB`)],
    ];
    for (const [name, ...values] of rows)
      console.log(`${name.padEnd(34)}${values.map((v) => v.padStart(24)).join('')}`);
    for (const r of results) {
      console.log(`server counters after ${fmt(r.clients)} clients: ${JSON.stringify(r.serverCounters)}`);
      if (r.errors.length > 0) console.log(`!! client errors: ${r.errors.join('; ')}`);
    }
    for (const r of results) {
      const target = targetOf(r);
      if (target) console.log(`${fmt(r.clients)} clients: p99 ${fmt(r.p99)} ms, ${fmt(r.peakRssMb)} MB; ${target}`);
    }
    // Fewer deliveries than expected is the slow-client policy at work (coalesced, see the counters), reported as
    // a figure; a client that lost its connection fails the run.
    const complete = results.every((r) => r.errors.length === 0);
    if (!complete) console.log('!! clients lost their connection');
    console.log(
      JSON.stringify({
        bench: 'realtime',
        rate_per_s: RATE,
        seconds: SECONDS,
        units: UNITS,
        backend_env: BACKEND_ENV,
        target: { clients: TARGET_CLIENTS, p99_ms: TARGET_P99_MS, rss_mb: TARGET_RSS_MB },
        phases: results.map((r) => ({
          clients: r.clients,
          instances: r.instances,
          client_processes: r.clientProcesses,
          connect_seconds: round(r.connectSeconds, 1),
          drained: r.drained,
          publish_rate: round(r.publishRate),
          events_per_s: round(r.eventsPerS),
          readings_per_s: round(r.readingsPerS),
          delivered: r.readingsDelivered,
          expected: r.expectedDeliveries,
          p50_ms: round(r.p50),
          p99_ms: round(r.p99),
          max_ms: round(r.max),
          rss_under_load_mb: round(r.rssAtLoadMb, 1),
          peak_rss_mb: round(r.peakRssMb, 1),
          cpu_cores: {
            backends: round(r.cpu.backends, 2),
            backends_kernel: round(r.cpu.backendsKernel, 2),
            clients: round(r.cpu.clients, 2),
            clients_kernel: round(r.cpu.clientsKernel, 2),
            other: round(r.cpu.other, 2),
          },
          server: r.serverCounters,
        })),
        ok: complete,
      }),
    );
    return complete ? 0 : 1;
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
}

if (process.argv[2] === '--clients') {
  void clientProcess(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
} else {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
