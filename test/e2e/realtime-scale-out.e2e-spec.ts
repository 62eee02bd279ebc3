import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher, connectSocket, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { MOSQUITTO, MosquittoProcess } from '../support/mosquitto.js';
import { describeWith, realPostgres } from '../support/prerequisites.js';
import { REDIS, RedisProcess } from '../support/redis.js';
import { createDatabase, instanceEnv, testId, type TestDatabase } from '../support/target.js';

interface SensorData {
  unit_id: string;
  readings: { sensor_type: string; value: number; quality: string; timestamp: string }[];
}

/** The parts of /health and /api/v1/scada/status these tests read. */
interface Health {
  websocket: {
    connected_clients: number;
    instance_connected_clients: number;
    instances: number;
    redis: {
      enabled: boolean;
      connected: boolean;
      reading_messages_in: number;
      reading_messages_out: number;
      readings_skipped: number;
      watched_units: number;
      peer_watched_units: number;
      peers: { instance: string; watched_units: number | 'all' }[];
    };
  };
}
interface Status {
  mqtt: { messages: { received: number } };
}

// Two instances need one database and one broker between them: the real PostgreSQL and our own Mosquitto, plus
// our own Redis (describeWith: fails with CI=true where one is missing, skips loudly elsewhere).
const prerequisites = [REDIS, MOSQUITTO, await realPostgres()];
const TITLE =
  'Socket.IO scale-out: a reading ingested by instance A reaches a client of instance B (real Redis, Mosquitto, PostgreSQL)';

/**
 * Instance A ingests (it subscribes to the readings' topic prefix); instance B subscribes to a prefix nobody
 * publishes on, so whatever B's clients receive came from A through Redis.
 */
describeWith(prerequisites, TITLE, () => {
  let redis: RedisProcess;
  let broker: MosquittoProcess;
  let database: TestDatabase;
  let db: pg.Client;
  let a: BackendProcess;
  let b: BackendProcess;
  let publisher: MqttClient;
  let prefix: string;
  const sockets: Socket[] = [];

  function env(instance: string, topicPrefix: string): Record<string, string> {
    return {
      ...instanceEnv(database.url, broker.port, topicPrefix, `${prefix}_${instance}`),
      REDIS_URL: redis.url,
    };
  }

  async function socketOn(backend: BackendProcess, seen: SensorData[]): Promise<Socket> {
    const s = await connectSocket(backend.url, backend.token);
    sockets.push(s);
    s.on('sensor_data', (e: SensorData) => seen.push(e));
    return s;
  }

  const valuesOf = (seen: SensorData[], unitId: string): number[] =>
    seen.filter((e) => e.unit_id === unitId).flatMap((e) => e.readings.map((r) => r.value));

  /** Waits until A has B's report naming this many units (B's rooms only grow in this file). */
  async function aSeesWatchedOnB(units: number): Promise<void> {
    await eventually(async () =>
      expect((await a.getJson<Health>('/health')).websocket.redis.peer_watched_units).toBe(units),
    );
  }

  async function skippedOn(backend: BackendProcess): Promise<number> {
    const text = (await backend.request('GET', '/metrics')).text;
    const match = /^scada_cluster_readings_skipped_total (\d+)$/m.exec(text);
    if (!match) throw new Error('scada_cluster_readings_skipped_total missing from /metrics');
    return Number(match[1]);
  }

  async function publish(unitId: string, value: number): Promise<void> {
    const payload = JSON.stringify({ value, timestamp: new Date().toISOString() });
    await publisher.publishAsync(`${prefix}/${unitId}/temperature`, payload, { qos: 1 });
  }

  beforeAll(async () => {
    const id = testId('scaleout');
    prefix = `t_${id}`;
    redis = await RedisProcess.start();
    broker = await MosquittoProcess.start();
    database = await createDatabase(id);
    // One after the other: the first applies the migrations.
    a = await BackendProcess.start({ env: env('a', prefix) });
    b = await BackendProcess.start({ env: env('b', `${prefix}_idle`) });
    publisher = await connectPublisher('127.0.0.1', broker.port, { clientId: `${prefix}_pub` });
    db = await connectDb(database.url);
    for (const backend of [a, b]) {
      await eventually(async () =>
        expect((await backend.getJson<Health>('/health')).websocket.redis).toMatchObject({
          enabled: true,
          connected: true,
        }),
      );
    }
    // The two units exist (stored by A) before anyone subscribes.
    await publish('SOA', 1);
    await publish('SOB', 2);
    await eventually(async () => {
      const { rows } = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id WHERE s.unit_id IN ('SOA', 'SOB')",
      );
      expect(rows[0].n).toBe(2);
    });
    // Nobody watched them anywhere: A sent B nothing.
    expect(await skippedOn(a)).toBeGreaterThanOrEqual(2);
    expect((await b.getJson<Health>('/health')).websocket.redis.reading_messages_in).toBe(0);
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await publisher?.endAsync();
    await db?.end();
    await a?.stop();
    await b?.stop();
    await broker?.stop();
    await redis?.stop();
    await database?.dispose();
  });

  it('delivers a reading ingested by A to the unit room on B, and not to another room', async () => {
    const onB: SensorData[] = [];
    const otherRoomOnB: SensorData[] = [];
    const onA: SensorData[] = [];
    const clientB = await socketOn(b, onB);
    const otherB = await socketOn(b, otherRoomOnB);
    const clientA = await socketOn(a, onA);

    // B never ingested SOA, yet knows it (from the shared units table) and its latest value (from A, via Redis).
    const ack = await request(clientB, 'subscribe_unit', { unit_id: 'SOA' });
    expect(ack).toMatchObject({ ok: true, unit_id: 'SOA', unit_ids: ['SOA'] });
    expect(await request(otherB, 'subscribe_unit', { unit_id: 'SOB' })).toMatchObject({ ok: true });
    expect(await request(clientA, 'subscribe_unit', { unit_ids: ['SOA'] })).toMatchObject({ ok: true });
    // Readings flow to B once A has B's report of what its rooms watch (sent as soon as they changed).
    await aSeesWatchedOnB(2);

    await publish('SOA', 42);
    await eventually(() => expect(valuesOf(onB, 'SOA')).toContain(42));
    await eventually(() => expect(valuesOf(onA, 'SOA')).toContain(42));
    // A reading for SOB afterwards: once the other room has it, it would have had SOA's by then too.
    await publish('SOB', 43);
    await eventually(() => expect(valuesOf(otherRoomOnB, 'SOB')).toContain(43));
    expect(valuesOf(otherRoomOnB, 'SOA')).toEqual([]);
    expect(valuesOf(onB, 'SOB')).toEqual([]);

    // B did not ingest anything: the reading came through Redis.
    expect((await b.getJson<Status>('/api/v1/scada/status')).mqtt.messages.received).toBe(0);
    expect((await a.getJson<Status>('/api/v1/scada/status')).mqtt.messages.received).toBeGreaterThanOrEqual(4);
    const healthB = await b.getJson<Health>('/health');
    expect(healthB.websocket.redis.reading_messages_in).toBeGreaterThan(0);
    expect(healthB.websocket.redis.reading_messages_out).toBe(0);

    // B's snapshot for a new subscriber now holds A's latest value.
    const late = await connectSocket(b.url, b.token);
    sockets.push(late);
    expect(await request(late, 'subscribe_unit', { unit_id: 'SOA' })).toMatchObject({
      ok: true,
      latest: [{ unit_id: 'SOA', readings: [expect.objectContaining({ sensor_type: 'temperature', value: 42 })] }],
    });
  });

  it('delivers the first reading of a unit never seen by either instance to a room joined on B before it reported', async () => {
    const onB: SensorData[] = [];
    const clientB = await socketOn(b, onB);
    expect(await request(clientB, 'subscribe_unit', { unit_id: 'SONEW' })).toMatchObject({
      ok: true,
      known: false,
      unknown_unit_ids: ['SONEW'],
      latest: [],
    });
    await aSeesWatchedOnB(3);
    await publish('SONEW', 7);
    await eventually(() => expect(valuesOf(onB, 'SONEW')).toEqual([7]));
    // Both instances know it now: B from the shared units table (and A's reading, via Redis).
    const late = await connectSocket(b.url, b.token);
    sockets.push(late);
    expect(await request(late, 'subscribe_unit', { unit_id: 'SONEW' })).toMatchObject({ ok: true, known: true });
  });

  it('publishes nothing of a unit only A watches, until B starts watching it', async () => {
    const onA: SensorData[] = [];
    const onB: SensorData[] = [];
    const clientA = await socketOn(a, onA);
    const clientB = await socketOn(b, onB);
    expect(await request(clientA, 'subscribe_unit', { unit_id: 'SOQUIET' })).toMatchObject({ ok: true });
    const skippedBefore = await skippedOn(a);
    const messagesOutBefore = (await a.getJson<Health>('/health')).websocket.redis.reading_messages_out;
    await publish('SOQUIET', 11);
    await eventually(() => expect(valuesOf(onA, 'SOQUIET')).toEqual([11]));
    expect(await skippedOn(a)).toBe(skippedBefore + 1);
    expect((await a.getJson<Health>('/health')).websocket.redis.reading_messages_out).toBe(messagesOutBefore);
    await eventually(async () => {
      const { rows } = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id WHERE s.unit_id = 'SOQUIET'",
      );
      expect(rows[0].n).toBe(1);
    });

    // B never received 11 over Redis: its answer has it from the database, read because nobody on B watched it.
    expect(await request(clientB, 'subscribe_unit', { unit_id: 'SOQUIET' })).toMatchObject({
      ok: true,
      latest: [{ unit_id: 'SOQUIET', readings: [expect.objectContaining({ sensor_type: 'temperature', value: 11 })] }],
    });
    await aSeesWatchedOnB(4);
    await publish('SOQUIET', 12);
    await eventually(() => expect(valuesOf(onB, 'SOQUIET')).toEqual([12]));
    expect(await skippedOn(a)).toBe(skippedBefore + 1);
  });

  it('carries unit_status from A to the room on B', async () => {
    const clientB = await connectSocket(b.url, b.token);
    sockets.push(clientB);
    const statuses: { unit_id: string; status: string }[] = [];
    clientB.on('unit_status', (e: { unit_id: string; status: string }) => statuses.push(e));
    expect(await request(clientB, 'subscribe_unit', { unit_id: 'SOA' })).toMatchObject({ ok: true });
    await publisher.publishAsync(
      `${prefix}/SOA/status`,
      JSON.stringify({ status: 'maintenance', timestamp: new Date().toISOString() }),
      { qos: 1 },
    );
    await eventually(() =>
      expect(statuses).toContainEqual(expect.objectContaining({ unit_id: 'SOA', status: 'maintenance' })),
    );
  });

  it('counts connected clients across both instances', async () => {
    const clientsA = (await a.getJson<Health>('/health')).websocket.instance_connected_clients;
    const clientsB = (await b.getJson<Health>('/health')).websocket.instance_connected_clients;
    expect(clientsA).toBeGreaterThanOrEqual(1);
    expect(clientsB).toBeGreaterThanOrEqual(4);
    const probe = sockets[0];
    await eventually(
      async () => {
        expect(await request(probe, 'get_status')).toMatchObject({
          ok: true,
          connected_clients: clientsA + clientsB,
          instances: 2,
        });
        expect((await a.getJson<Health>('/health')).websocket).toMatchObject({
          connected_clients: clientsA + clientsB,
          instances: 2,
        });
      },
      10_000,
      250,
    );
  });
});
