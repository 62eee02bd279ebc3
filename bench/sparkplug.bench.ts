/**
 * Sparkplug ingest benchmark: how many Sparkplug B metrics per second the backend stores, next to the JSON readings
 * per second of the same run (same backend, broker and database), against the real parts: a Mosquitto (the bench's
 * own, or the one on BENCH_MQTT_PORT), the local PostgreSQL, the built backend as its own process with
 * SPARKPLUG_ENABLED=true and a Sparkplug group of its own. Prints a table, then one JSON line. Exit code 1 when a
 * metric or reading was lost or the run failed, 2 when it overran its time budget.
 *
 *   npm run bench:sparkplug                          (builds into dist/; `npm run bench` runs it too)
 *
 * The load: BENCH_SP_NODES edge nodes (10), one MQTT connection each, wait for the host's STATE online, publish an
 * NBIRTH and BENCH_SP_DEVICES DBIRTHs (10 each, BENCH_SP_METRICS_PER_MESSAGE Double metrics each, 10), then
 * BENCH_SP_METRICS metrics (100,000) as QoS 1 DDATA by alias with up to BENCH_INFLIGHT (2000) unacknowledged over
 * all nodes. Timed from the first DDATA to the last row committed. Then the JSON flood of the ingest bench
 * (BENCH_READINGS readings, 100,000) through the same backend. BENCH_PG_URL as for the ingest bench.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { DataType, encodeWire, type WireMetric } from '../src/sparkplug/sparkplug.codec.js';
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
  round,
  sqlClient,
  useBackendBuiltWith,
  waitForRows,
  withBudget,
  withTimeout,
} from './support/bench-run.js';
import {
  commandLine,
  cpuShare,
  cpuSnapshot,
  type CpuShare,
  RssWatch,
  type RunProcesses,
} from './support/process-watch.js';
import { publishWindow } from './support/reading-flood.js';
import { measureThroughput } from './support/throughput.phase.js';

const NODES = envInt('BENCH_SP_NODES', 10);
const DEVICES = envInt('BENCH_SP_DEVICES', 10);
const PER_MESSAGE = envInt('BENCH_SP_METRICS_PER_MESSAGE', 10);
const METRICS = envInt('BENCH_SP_METRICS', 100_000);
const READINGS = envInt('BENCH_READINGS', 100_000);
const INFLIGHT = envInt('BENCH_INFLIGHT', 2000);
/**
 * The broker: a Mosquitto of the bench's own (docker/mosquitto/mosquitto.conf: queue limits raised, as the delivery
 * guarantees require), like the ingest bench's; BENCH_MQTT_PORT=1883 takes the machine's Mosquitto instead, whose
 * stock queue limit (1,000 messages per client) drops QoS 1 messages once the backend falls behind the flood.
 */
const MQTT_PORT_OVERRIDE = process.env.BENCH_MQTT_PORT === undefined ? undefined : envInt('BENCH_MQTT_PORT', 1883);
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const MESSAGES = Math.ceil(METRICS / PER_MESSAGE);
const SERIES = NODES * DEVICES * PER_MESSAGE;
const STORE_TIMEOUT_MS = 120_000;
/** The whole run stays under five minutes, whatever hangs. */
const RUN_BUDGET_MS = 290_000;

/** Message i goes to node i mod N, and within the node round the devices: every connection is busy at once. */
const nodeOf = (i: number): number => i % NODES;
const deviceOf = (i: number): number => Math.floor(i / NODES) % DEVICES;
/** The k-th DDATA of its device: its timestamp offset, so every row has its own (sensor, time). */
const roundOf = (i: number): number => Math.floor(i / (NODES * DEVICES));

const metricName = (j: number): string => `Line/Metric ${j}`;
const aliasOf = (device: number, j: number): number => device * PER_MESSAGE + j + 1;

/** An NBIRTH (seq 0) and the node's DBIRTHs (seq 1 … DEVICES), values at `stamp`. */
function births(group: string, node: string, stamp: number): { topic: string; payload: Buffer }[] {
  const out = [
    {
      topic: `spBv1.0/${group}/NBIRTH/${node}`,
      payload: Buffer.from(
        encodeWire({ timestamp: stamp, seq: 0, metrics: [{ name: 'bdSeq', datatype: DataType.Int64, long_value: 0 }] }),
      ),
    },
  ];
  for (let d = 0; d < DEVICES; d++) {
    const metrics: WireMetric[] = [];
    for (let j = 0; j < PER_MESSAGE; j++) {
      metrics.push({
        name: metricName(j),
        alias: aliasOf(d, j),
        datatype: DataType.Double,
        double_value: j,
        properties: { keys: ['engUnit'], values: [{ type: DataType.String, string_value: 'kW' }] },
      });
    }
    out.push({
      topic: `spBv1.0/${group}/DBIRTH/${node}/D${d}`,
      payload: Buffer.from(encodeWire({ timestamp: stamp, seq: d + 1, metrics })),
    });
  }
  return out;
}

/** Every DDATA of the flood, encoded before the clock runs; seq continues each node's births. */
function floodPayloads(start: number): Buffer[] {
  const payloads = new Array<Buffer>(MESSAGES);
  for (let i = 0; i < MESSAGES; i++) {
    const device = deviceOf(i);
    const metrics: WireMetric[] = [];
    const count = Math.min(PER_MESSAGE, METRICS - i * PER_MESSAGE);
    for (let j = 0; j < count; j++)
      metrics.push({ alias: aliasOf(device, j), double_value: 20 + ((i + j) % 1000) / 10 });
    const seq = (DEVICES + 1 + Math.floor(i / NODES)) % 256;
    payloads[i] = Buffer.from(encodeWire({ timestamp: start + roundOf(i), seq, metrics }));
  }
  return payloads;
}

/** Resolves once the host's retained STATE says online (Sparkplug edge nodes wait for their primary host). */
async function hostOnline(port: number, hostId: string, clientId: string): Promise<void> {
  const watcher = await mqtt.connectAsync({ host: '127.0.0.1', port, clientId });
  try {
    const online = new Promise<void>((resolve) =>
      watcher.on('message', (_t, payload) => {
        if (payload.length > 0 && (JSON.parse(payload.toString()) as { online?: boolean }).online === true) resolve();
      }),
    );
    await watcher.subscribeAsync(`spBv1.0/STATE/${hostId}`, { qos: 1 });
    await withTimeout(online, 30_000);
  } finally {
    // The shared broker keeps retained messages: the host's STATE goes with the run.
    await watcher.publishAsync(`spBv1.0/STATE/${hostId}`, '', { qos: 1, retain: true }).catch(() => undefined);
    await watcher.endAsync();
  }
}

/** The Mosquitto on `port` among any others on the machine (no `-c`: the default 1883; else its listener line). */
function mosquittoOn(port: number): number | undefined {
  for (const [pid, { comm }] of cpuSnapshot().processes) {
    if (comm !== 'mosquitto') continue;
    const conf = /-c (\S+)/.exec(commandLine(pid))?.[1];
    try {
      if (
        conf === undefined
          ? port === 1883
          : new RegExp(`^(listener|port) ${port}\\b`, 'm').test(readFileSync(conf, 'utf8'))
      )
        return pid;
    } catch {
      // not readable: someone else's
    }
  }
  return undefined;
}

const cores = (c: CpuShare): string =>
  [c.backend, c.bench, c.mosquitto, c.postgres, c.other].map((n) => n.toFixed(2)).join('/') + ` of ${c.cores}`;

async function main(): Promise<number> {
  useBackendBuiltWith(import.meta.url);
  const id = `bench_sp_${process.pid}`;
  const group = `bench_sp_${process.pid}`;
  return withBudget(RUN_BUDGET_MS, async (cleanup) => {
    let mqttPort = MQTT_PORT_OVERRIDE ?? 0;
    if (MQTT_PORT_OVERRIDE === undefined) {
      if (!mosquittoInstalled) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
      // The host's STATE is retained (Sparkplug): the shipped configuration refuses retained messages.
      const broker = await MosquittoProcess.start(undefined, undefined, undefined, { retainAvailable: true });
      cleanup.add('mosquitto', () => broker.stop());
      mqttPort = broker.port;
    }
    const ours: RunProcesses = { database: id, mosquittoPid: mosquittoOn(mqttPort) };
    const { url: databaseUrl, pgVersion } = await benchDatabase(cleanup, PG_ADMIN_URL, id);
    console.log(
      `ThermaCore Sparkplug ingest benchmark: ${fmt(METRICS)} metrics from ${NODES} edge nodes x ${DEVICES} devices, ` +
        `${PER_MESSAGE} metrics per QoS 1 DDATA, ${INFLIGHT} in flight; then ${fmt(READINGS)} JSON readings; ` +
        `Mosquitto 127.0.0.1:${mqttPort}, PostgreSQL ${pgVersion}, Node ${process.version}`,
    );
    const backend = await BackendProcess.start({
      env: {
        ...externalBackendEnv(id, mqttPort, databaseUrl),
        SPARKPLUG_ENABLED: 'true',
        SPARKPLUG_HOST_ID: id,
        SPARKPLUG_GROUPS: group,
        // Both floods register their sensors within a minute: 1,000 Sparkplug series, then the JSON phase's 400.
        MAX_NEW_SENSORS_PER_MINUTE: '10000',
      },
    });
    cleanup.add('backend', () => backend.stop());
    ours.backendPid = backend.pid;
    const rss = new RssWatch(backend.pid!);
    const db = await sqlClient(databaseUrl);
    cleanup.add('sql client', () => db.end());

    await hostOnline(mqttPort, id, `${id}_watch`);
    const nodes: MqttClient[] = [];
    for (let n = 0; n < NODES; n++) {
      const client = await connectPublisher('127.0.0.1', mqttPort, { clientId: `${id}_node${n}` });
      cleanup.add(`edge node ${n}`, () => client.endAsync());
      nodes.push(client);
    }
    // Far enough back that nothing here shares a timestamp with the JSON phase (which starts its own way back).
    const start = Date.now() - 3_600_000;
    const birthMessages = nodes.flatMap((_, n) => births(group, `N${n}`, start - 1000));
    await publishWindow(birthMessages.length, INFLIGHT, (i, onAck) =>
      nodes[Math.floor(i / (DEVICES + 1))].publish(birthMessages[i].topic, birthMessages[i].payload, { qos: 1 }, onAck),
    );
    const born = await waitForRows(db, SERIES, 30_000);
    if (born.rows < SERIES) throw new Error(`births: only ${born.rows} of ${SERIES} metrics stored in 30 s`);

    process.stdout.write('Sparkplug sustained throughput ... ');
    const topics = nodes.map((_, n) => Array.from({ length: DEVICES }, (_, d) => `spBv1.0/${group}/DDATA/N${n}/D${d}`));
    const payloads = floodPayloads(start);
    const cpu = cpuSnapshot();
    const published = await publishWindow(MESSAGES, INFLIGHT, (i, onAck) =>
      nodes[nodeOf(i)].publish(topics[nodeOf(i)][deviceOf(i)], payloads[i], { qos: 1 }, onAck),
    );
    const stored = await waitForRows(db, SERIES + METRICS, STORE_TIMEOUT_MS);
    const share = cpuShare(cpu, ours);
    const rows = stored.rows - SERIES;
    const seconds = (stored.reachedAt - published.firstAt) / 1000;
    const sparkplug = {
      rows,
      lost: METRICS - rows,
      seconds,
      storedPerS: rows / seconds,
      messagesPerS: MESSAGES / ((published.ackedAt - published.firstAt) / 1000),
      backendUsPerMetric: (share.backendSeconds * 1e6) / Math.max(rows, 1),
      cpu: share,
      publishErrors: published.errors,
    };
    console.log(`${fmt(sparkplug.storedPerS)} metrics/s stored`);
    const sparkplugRssMb = rss.peakKb / 1024;
    const nodesView = await backend.getJson<{ id: string; rebirth_requests: number }[]>(
      '/api/v1/scada/sparkplug/nodes',
    );
    const rebirths = nodesView.reduce((sum, n) => sum + n.rebirth_requests, 0);

    process.stdout.write('JSON sustained throughput (same backend and broker) ... ');
    const publisher = await connectPublisher('127.0.0.1', mqttPort, { clientId: `${id}_pub`, protocolVersion: 5 });
    cleanup.add('publisher', () => publisher.endAsync());
    // The JSON phase counts only its own rows: its sensors are registered after the Sparkplug ones.
    const { rows: maxId } = await db.query<{ n: number }>('SELECT coalesce(max(id), 0)::int AS n FROM sensors');
    const json = await measureThroughput(publisher, db, {
      prefix: id,
      readings: READINGS,
      inflight: INFLIGHT,
      storeTimeoutMs: STORE_TIMEOUT_MS,
      ours,
      count: { sql: `SELECT count(*)::int AS n FROM sensor_readings WHERE sensor_id > ${maxId[0].n}` },
    });
    console.log(`${fmt(json.storedPerS)} readings/s stored`);

    const status = await backend
      .getJson<{ pipeline: Record<string, unknown> }>('/api/v1/scada/status')
      .catch((err: Error) => ({ pipeline: { unavailable: err.message } }));
    rss.stop();
    const peakRssMb = rss.peakKb / 1024;
    await cleanup.run();

    const publishErrors = sparkplug.publishErrors + json.publishErrors;
    const failed = sparkplug.lost > 0 || json.lost > 0 || publishErrors > 0;
    const table: [string, string, string][] = [
      ['Sparkplug stored throughput', `${fmt(sparkplug.storedPerS)} metrics/s`, ''],
      ['  DDATA messages acknowledged by the broker', `${fmt(sparkplug.messagesPerS)} msg/s`, ''],
      ['  first DDATA to last commit', `${fmt(sparkplug.seconds, 2)} s`, ''],
      ['  CPU cores: backend/bench/mosquitto/pg/other', cores(sparkplug.cpu), ''],
      ['  backend CPU per metric', `${fmt(sparkplug.backendUsPerMetric, 1)} us`, ''],
      ['  metrics lost', fmt(sparkplug.lost), `0  ${mark(sparkplug.lost === 0)}`],
      ['  Rebirths the host asked for', fmt(rebirths), ''],
      ['  backend peak RSS after the Sparkplug phase', `${fmt(sparkplugRssMb)} MB`, ''],
      ['JSON stored throughput (same run)', `${fmt(json.storedPerS)} readings/s`, ''],
      ['  first publish to last commit', `${fmt(json.seconds, 2)} s`, ''],
      ['  CPU cores: backend/bench/mosquitto/pg/other', cores(json.cpu), ''],
      ['  backend CPU per reading', `${fmt(json.backendUsPerReading, 1)} us`, ''],
      ['  readings lost', fmt(json.lost), `0  ${mark(json.lost === 0)}`],
      ['backend peak RSS (200 ms samples)', `${fmt(peakRssMb)} MB`, ''],
    ];
    console.log('');
    for (const [name, value, target] of table) console.log(`${name.padEnd(52)}${value.padStart(24)}   ${target}`);
    console.log(`backend pipeline counters: ${JSON.stringify(status.pipeline)}`);
    if (publishErrors > 0) console.log(`!! ${publishErrors} publishes failed at the broker`);
    if (backend.logs.trim() !== '') console.log(`backend output:\n${backend.logs.trimEnd()}`);
    if (failed) console.log(`!! LOST: ${sparkplug.lost} Sparkplug metrics, ${json.lost} JSON readings`);
    console.log(
      JSON.stringify({
        bench: 'sparkplug',
        metrics: METRICS,
        edge_nodes: NODES,
        devices_per_node: DEVICES,
        metrics_per_message: PER_MESSAGE,
        inflight: INFLIGHT,
        sparkplug_stored_metrics_per_s: round(sparkplug.storedPerS),
        sparkplug_messages_per_s: round(sparkplug.messagesPerS),
        sparkplug_metrics_lost: sparkplug.lost,
        sparkplug_backend_cpu_us_per_metric: round(sparkplug.backendUsPerMetric, 1),
        sparkplug_rebirth_requests: rebirths,
        json_readings: READINGS,
        json_stored_readings_per_s: round(json.storedPerS),
        json_readings_lost: json.lost,
        json_backend_cpu_us_per_reading: round(json.backendUsPerReading, 1),
        backend_peak_rss_mb: round(peakRssMb, 1),
        cores: availableParallelism(),
        publish_errors: publishErrors,
        pipeline: status.pipeline,
        ok: !failed,
      }),
    );
    return failed ? 1 : 0;
  });
}

exitWhenDone(main());
