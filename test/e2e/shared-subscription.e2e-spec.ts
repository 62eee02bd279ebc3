import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { MOSQUITTO, MosquittoProcess } from '../support/mosquitto.js';
import { describeWith, realPostgres } from '../support/prerequisites.js';
import { createDatabase, testId, type TestDatabase } from '../support/target.js';

/** The parts of the two status endpoints these tests read. */
interface Status {
  mqtt: {
    connected: boolean;
    protocol: string;
    subscribed_topics: string[];
    pending_acks: number;
    messages: { received: number };
  };
  pipeline: { stored: number; unit_status: { received: number; applied: number; superseded: number } };
}

const READINGS = 10_000;

// Both instances must write to one database: the embedded one lives inside a single process, so this spec
// always uses the real PostgreSQL, whatever E2E_TARGET says (describeWith: fails with CI=true where there is none,
// skips loudly elsewhere).
const prerequisites = [MOSQUITTO, await realPostgres()];
const TITLE = 'shared subscriptions: two backends split one stream (real Mosquitto, real PostgreSQL)';

/**
 * Scale-out: two backend instances in one MQTT_SHARED_GROUP on one Mosquitto, one with MQTT 5 and one with
 * MQTT 3.1.1, writing to one database. The broker gives each message to one of them: every reading is stored
 * exactly once, and each instance takes a share.
 */
describeWith(prerequisites, TITLE, () => {
  let broker: MosquittoProcess;
  let database: TestDatabase;
  let db: pg.Client;
  let a: BackendProcess;
  let b: BackendProcess;
  let publisher: MqttClient;
  let id: string;
  let prefix: string;
  let group: string;

  const status = (backend: BackendProcess): Promise<Status> => backend.getJson<Status>('/api/v1/scada/status');

  function env(instance: string, protocolVersion: '4' | '5'): Record<string, string> {
    return {
      DATABASE_URL: database.url,
      MQTT_BROKER_HOST: '127.0.0.1',
      MQTT_BROKER_PORT: String(broker.port),
      MQTT_TOPIC_PREFIX: prefix,
      MQTT_CLIENT_ID: `tc_${id}_${instance}`,
      MQTT_SHARED_GROUP: group,
      MQTT_PROTOCOL_VERSION: protocolVersion,
    };
  }

  beforeAll(async () => {
    id = testId('shared');
    prefix = `t_${id}`;
    group = `g_${id}`;
    broker = await MosquittoProcess.start();
    database = await createDatabase(id);
    // One after the other: the first applies the migrations (in production a deploy job does, before a rollout).
    a = await BackendProcess.start({ env: env('a', '5') });
    b = await BackendProcess.start({ env: env('b', '4') });
    publisher = await connectPublisher('127.0.0.1', broker.port, { clientId: `${prefix}_pub`, protocolVersion: 5 });
    db = await connectDb(database.url);
  });

  afterAll(async () => {
    await publisher?.endAsync();
    await db?.end();
    await a?.stop();
    await b?.stop();
    await broker?.stop();
    await database?.dispose();
  });

  it('subscribes both instances through the shared group, over MQTT 5 and MQTT 3.1.1', async () => {
    const shared = `$share/${group}/${prefix}/#`;
    for (const [backend, protocol] of [
      [a, 'MQTT 5'],
      [b, 'MQTT 3.1.1'],
    ] as const) {
      await eventually(async () =>
        expect((await status(backend)).mqtt).toMatchObject({ connected: true, protocol, subscribed_topics: [shared] }),
      );
    }
  });

  it(`stores ${READINGS.toLocaleString('en')} readings exactly once between them, each instance taking a share`, async () => {
    const units = ['SHU1', 'SHU2', 'SHU3', 'SHU4'];
    const sensors = ['temperature', 'pressure'];
    const pairs = units.flatMap((u) => sensors.map((s) => `${u}/${s}`));
    const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    const plan = Array.from({ length: READINGS }, (_, i) => {
      const pair = pairs[i % pairs.length];
      const timestamp = new Date(base + Math.floor(i / pairs.length)).toISOString();
      return {
        topic: `${prefix}/${pair}`,
        payload: JSON.stringify({ value: i, timestamp }),
        key: `${pair}@${timestamp}`,
      };
    });

    for (let i = 0; i < plan.length; i += 500) {
      await Promise.all(plan.slice(i, i + 500).map((r) => publisher.publishAsync(r.topic, r.payload, { qos: 1 })));
    }

    const count = async (): Promise<number> => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
         WHERE s.unit_id = ANY ($1::varchar[])`,
        [units],
      );
      return rows[0].n;
    };
    await eventually(async () => expect(await count()).toBe(READINGS), 60_000, 250);

    const { rows } = await db.query<{ key: string; value: number }>(
      `SELECT s.unit_id || '/' || s.sensor_type || '@' ||
              to_char(r.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS key, r.value
       FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id WHERE s.unit_id = ANY ($1::varchar[])`,
      [units],
    );
    const stored = new Map(rows.map((r) => [r.key, r.value]));
    expect(stored.size).toBe(READINGS);
    expect(plan.filter((r, i) => stored.get(r.key) !== i).length).toBe(0);
    // Both instances registered the same sensors: still one sensor per unit and type.
    const { rows: sensorRows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM sensors WHERE unit_id = ANY ($1::varchar[])',
      [units],
    );
    expect(sensorRows[0].n).toBe(pairs.length);

    const [sa, sb] = await eventually(async () => {
      const both = await Promise.all([status(a), status(b)]);
      for (const s of both) expect(s.mqtt.pending_acks).toBe(0);
      return both;
    });
    // Each took a share, and no message went to both.
    expect(sa.mqtt.messages.received).toBeGreaterThan(0);
    expect(sb.mqtt.messages.received).toBeGreaterThan(0);
    expect(sa.mqtt.messages.received + sb.mqtt.messages.received).toBe(READINGS);
    expect(sa.pipeline.stored + sb.pipeline.stored).toBe(READINGS);
  });

  it('keeps the newest unit status when reports for one unit are split between the instances', async () => {
    const base = Date.now() - 600_000;
    const reports = Array.from({ length: 200 }, (_, i) => ({
      status: (['online', 'offline', 'maintenance'] as const)[i % 3],
      timestamp: new Date(base + i * 1000).toISOString(),
    }));
    // Published newest first: whichever instance commits last, the newest report must be what the unit keeps.
    for (const r of [...reports].reverse()) {
      await publisher.publishAsync(`${prefix}/SHSTAT/status`, JSON.stringify(r), { qos: 1 });
    }
    const newest = reports.at(-1)!;
    const [sa, sb] = await eventually(async () => {
      const both = await Promise.all([status(a), status(b)]);
      const applied = both.map((s) => s.pipeline.unit_status.applied + s.pipeline.unit_status.superseded);
      expect(applied[0] + applied[1]).toBe(reports.length);
      return both;
    }, 30_000);
    expect(sa.pipeline.unit_status.received).toBeGreaterThan(0);
    expect(sb.pipeline.unit_status.received).toBeGreaterThan(0);
    const { rows } = await db.query<{ status: string; time: string }>(
      `SELECT status, to_char(status_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time
       FROM units WHERE id = 'SHSTAT'`,
    );
    expect(rows).toEqual([{ status: newest.status, time: newest.timestamp }]);
  });

  it('drops the shared subscription from an instance session when its configuration no longer has the group', async () => {
    // Same client id, so the same persistent session, which still holds $share/<group>/<prefix>/#.
    await a.stop();
    a = await BackendProcess.start({ env: { ...env('a', '5'), MQTT_SHARED_GROUP: '' } });
    await eventually(async () => expect((await status(a)).mqtt.subscribed_topics).toEqual([`${prefix}/#`]));
    expect(a.logs).toContain(`Unsubscribing '$share/${group}/${prefix}/#' on connect`);

    const before = await status(b);
    const base = Date.now() - 60_000;
    for (let i = 0; i < 100; i++) {
      const payload = JSON.stringify({ value: i, timestamp: new Date(base + i).toISOString() });
      await publisher.publishAsync(`${prefix}/SHSOLO/temperature`, payload, { qos: 1 });
    }
    // a has every message once through its own subscription and none through the group, which is b alone now.
    await eventually(async () => expect((await status(a)).mqtt.messages.received).toBe(100), 30_000);
    await eventually(async () =>
      expect((await status(b)).mqtt.messages.received).toBe(before.mqtt.messages.received + 100),
    );
    // Both stored them: the unique key keeps one row each.
    await eventually(async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id WHERE s.unit_id = 'SHSOLO'`,
      );
      expect(rows[0].n).toBe(100);
    });
    await eventually(async () => {
      for (const s of await Promise.all([status(a), status(b)])) expect(s.mqtt.pending_acks).toBe(0);
    });
  });
});
