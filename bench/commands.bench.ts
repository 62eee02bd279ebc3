/**
 * Command round-trip benchmark (#17): how long an operator waits from issuing a command over REST to seeing it
 * confirmed in the unit's Socket.IO room, against the real parts (our own Mosquitto, the local PostgreSQL, the
 * built backend as its own process) and a scripted device (an mqtt.js client that acks every command at once and
 * publishes the commanded value as its readback). Commands go one at a time per point (the backend allows one in
 * flight per point) over many points at once. Half the points are confirmed by the ack alone, half by ack and
 * readback, so both legs are measured. Prints a table, then one JSON line; exit 1 when a command did not end
 * confirmed, 2 past the time budget.
 *
 *   npm run bench:commands                            (builds into dist/)
 *
 * Environment: BENCH_COMMANDS (1000), BENCH_COMMAND_POINTS (points commanded at once, 40), BENCH_PG_URL (admin URL;
 * a bench_<pid> database is created on that server and dropped at the end).
 */
import type { MqttClient } from 'mqtt';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../test/support/backend.js';
import { connectPublisher, connectSocket, request } from '../test/support/clients.js';
import { MosquittoProcess, mosquittoInstalled } from '../test/support/mosquitto.js';
import {
  benchDatabase,
  envInt,
  exitWhenDone,
  externalBackendEnv,
  fmt,
  now,
  percentile,
  round,
  sqlClient,
  useBackendBuiltWith,
  waitForRows,
  withBudget,
  withTimeout,
} from './support/bench-run.js';

const COMMANDS = envInt('BENCH_COMMANDS', 1000);
const POINTS = envInt('BENCH_COMMAND_POINTS', 40);
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Points per unit: below COMMANDS_MAX_OPEN_PER_UNIT (16), so only the one-per-point rule paces the commands. */
const POINTS_PER_UNIT = 8;
const RUN_BUDGET_MS = 60_000;
const COMMAND_TIMEOUT_MS = 10_000;

interface Point {
  unitId: string;
  sensorType: string;
  confirmation: 'ack' | 'both';
}

interface Outcome {
  state: string;
  at: number;
}

/** The scripted device: acks every command at once and reports the commanded value on the point's reading topic. */
async function scriptedDevice(port: number, prefix: string): Promise<MqttClient> {
  const device = await connectPublisher('127.0.0.1', port, { clientId: `${prefix}_device` });
  device.on('message', (topic, payload) => {
    const { command_id, value, expires_at } = JSON.parse(payload.toString()) as {
      command_id: string;
      value: number;
      expires_at: string;
    };
    if (Date.parse(expires_at) < Date.now()) return;
    device.publish(`${topic}/ack`, JSON.stringify({ command_id, status: 'accepted' }), { qos: 1 });
    const reading = topic.slice(0, -'/set'.length);
    device.publish(reading, JSON.stringify({ value, quality: 'GOOD', timestamp: new Date().toISOString() }), {
      qos: 1,
    });
  });
  await device.subscribeAsync(`${prefix}/+/+/set`, { qos: 1 });
  return device;
}

async function main(): Promise<number> {
  if (!mosquittoInstalled) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  useBackendBuiltWith(import.meta.url);
  const id = `bench_${process.pid}`;
  return withBudget(RUN_BUDGET_MS, async (cleanup) => {
    const broker = await MosquittoProcess.start();
    cleanup.add('mosquitto', () => broker.stop());
    const { url: databaseUrl, pgVersion } = await benchDatabase(cleanup, PG_ADMIN_URL, id);

    const backend = await BackendProcess.start({
      env: {
        ...externalBackendEnv(id, broker.port, databaseUrl),
        // One caller issues every command here: the per-caller limits are for people, not for this load.
        MQTT_PUBLISH_RATE_LIMIT_PER_MINUTE: '100000',
        HTTP_RATE_LIMIT_PER_MINUTE: '1000000',
      },
    });
    cleanup.add('backend', () => backend.stop());
    const db = await sqlClient(databaseUrl);
    cleanup.add('sql client', () => db.end());
    const device = await scriptedDevice(broker.port, id);
    cleanup.add('device', () => device.endAsync());

    // The points: registered by a first reading each, then made writable, half per confirmation rule.
    const points: Point[] = Array.from({ length: POINTS }, (_, i) => ({
      unitId: `U${String(Math.floor(i / POINTS_PER_UNIT)).padStart(3, '0')}`,
      sensorType: `sp${i % POINTS_PER_UNIT}`,
      confirmation: i % 2 === 0 ? 'ack' : 'both',
    }));
    for (const p of points) {
      await device.publishAsync(`${id}/${p.unitId}/${p.sensorType}`, JSON.stringify({ value: 0, quality: 'GOOD' }), {
        qos: 1,
      });
    }
    const registered = await waitForRows(db, POINTS, 20_000, { sql: 'SELECT count(*)::int AS n FROM sensors' });
    if (registered.rows < POINTS) throw new Error(`only ${registered.rows} of ${POINTS} points registered`);
    const ids = (
      await db.query<{ id: number; unit_id: string; sensor_type: string }>(
        'SELECT id, unit_id, sensor_type FROM sensors',
      )
    ).rows;
    for (const p of points) {
      const sensor = ids.find((r) => r.unit_id === p.unitId && r.sensor_type === p.sensorType)!;
      const put = await backend.request('PUT', `/api/v1/scada/sensors/${sensor.id}/command-settings`, {
        channel: 'mqtt',
        confirmation: p.confirmation,
        timeout_ms: COMMAND_TIMEOUT_MS,
      });
      if (put.status !== 200) throw new Error(`command settings refused: ${put.status} ${JSON.stringify(put.body)}`);
    }

    // Outcomes as an operator's screen sees them: command_status in the units' rooms.
    const socket: Socket = await connectSocket(backend.url, backend.token);
    cleanup.add('socket', () => Promise.resolve(socket.disconnect()));
    const unitIds = [...new Set(points.map((p) => p.unitId))];
    const joined = await request<{ ok: boolean; error?: string }>(socket, 'subscribe_unit', { unit_ids: unitIds });
    if (!joined.ok) throw new Error(`subscribe_unit refused: ${joined.error}`);
    const waiting = new Map<string, (outcome: Outcome) => void>();
    const early = new Map<string, Outcome>();
    socket.on('command_status', (event: { id: string; state: string }) => {
      if (event.state === 'pending' || event.state === 'sent') return;
      const outcome = { state: event.state, at: now() };
      const resolve = waiting.get(event.id);
      if (resolve) resolve(outcome);
      else early.set(event.id, outcome);
    });
    const outcomeOf = (commandId: string): Promise<Outcome> => {
      const known = early.get(commandId);
      if (known) return Promise.resolve(known);
      return withTimeout(new Promise<Outcome>((resolve) => waiting.set(commandId, resolve)), COMMAND_TIMEOUT_MS + 5000);
    };

    console.log(
      `ThermaCore command round trip: ${fmt(COMMANDS)} commands over ${POINTS} points (${unitIds.length} units), ` +
        `one in flight per point; scripted mqtt.js device on Mosquitto, PostgreSQL ${pgVersion}, Node ${process.version}`,
    );
    const latencies: Record<Point['confirmation'], number[]> = { ack: [], both: [] };
    const failures: string[] = [];
    let next = 0;
    const startedAt = now();
    await Promise.all(
      points.map(async (p, index) => {
        for (let k = 0; ; k++) {
          if (next >= COMMANDS) return;
          next++;
          const issuedAt = now();
          const reply = await backend.request(
            'POST',
            `/api/v1/scada/units/${p.unitId}/sensors/${p.sensorType}/commands`,
            { value: index * 100 + k },
          );
          if (reply.status !== 202) {
            failures.push(`${reply.status} ${JSON.stringify(reply.body)}`);
            continue;
          }
          const outcome = await outcomeOf((reply.body as { id: string }).id);
          if (outcome.state !== 'confirmed') failures.push(outcome.state);
          else latencies[p.confirmation].push(outcome.at - issuedAt);
        }
      }),
    );
    const elapsedS = (now() - startedAt) / 1000;

    const ack = latencies.ack.sort((a, b) => a - b);
    const both = latencies.both.sort((a, b) => a - b);
    const confirmed = ack.length + both.length;
    const row = (label: string, values: number[]) =>
      `  ${label.padEnd(34)} ${fmt(values.length).padStart(6)}   p50 ${fmt(percentile(values, 0.5), 1).padStart(6)} ms` +
      `   p99 ${fmt(percentile(values, 0.99), 1).padStart(6)} ms`;
    console.log(row('issue -> ack (confirmation ack)', ack));
    console.log(row('issue -> confirmed (ack + readback)', both));
    console.log(`  commands/s                         ${fmt(confirmed / elapsedS, 1)}  (${fmt(elapsedS, 1)} s)`);
    console.log(
      `  not confirmed                      ${failures.length}${failures.length ? `: ${failures.slice(0, 3).join('; ')}` : ''}`,
    );
    console.log(
      JSON.stringify({
        bench: 'commands',
        commands: COMMANDS,
        points: POINTS,
        confirmed,
        not_confirmed: failures.length,
        issue_to_ack_ms: { p50: round(percentile(ack, 0.5), 1), p99: round(percentile(ack, 0.99), 1) },
        issue_to_confirmed_ms: { p50: round(percentile(both, 0.5), 1), p99: round(percentile(both, 0.99), 1) },
        commands_per_s: round(confirmed / elapsedS, 1),
      }),
    );
    return failures.length === 0 && confirmed === COMMANDS ? 0 : 1;
  });
}

exitWhenDone(main());
