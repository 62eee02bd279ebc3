import mqtt, { type MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { newClient, type UPayload } from 'sparkplug-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectSocket, registerUnits, request, storedReadings } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, testId, type TestTarget } from '../support/target.js';

type EdgeNode = ReturnType<typeof newClient>;

interface LiveReading {
  sensor_type: string;
  value: number;
  quality: string;
  timestamp: string;
}

/**
 * The Sparkplug B host end to end against an edge node the project did not write (Eclipse Tahu's
 * `sparkplug-client` from npm, driven from here) on the real broker: STATE retained online, birth → data by alias →
 * stored with the right datatypes and live in the unit's room, a seq gap → a Rebirth NCMD, NDEATH → unit offline
 * and points stale (UNCERTAIN).
 */
describe(`Sparkplug B host (${TARGET})`, () => {
  const id = testId('sp');
  const group = `g_${id}`;
  const hostId = `h_${id}`;
  const unitId = `${group}_edge1`;
  let target: TestTarget;
  let backend: BackendProcess;
  let watcher: MqttClient;
  let db: pg.Client;
  let live: Socket;
  let edge: EdgeNode;
  const liveReadings: LiveReading[] = [];
  const states: { online: boolean; timestamp: number }[] = [];
  const rebirths: number[] = [];
  let births = 0;
  const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;

  function birth(): void {
    births++;
    edge.publishNodeBirth({
      timestamp: Date.now(),
      metrics: [
        {
          name: 'Motor/Speed',
          alias: 1,
          type: 'Double',
          value: 1500,
          properties: { engUnit: { type: 'String', value: 'rpm' } },
        },
        { name: 'Running', alias: 2, type: 'Boolean', value: true },
        { name: 'Count', alias: 3, type: 'Int32', value: -7 },
        { name: 'Label', alias: 4, type: 'String', value: 'not a number' },
      ],
    });
  }

  beforeAll(async () => {
    target = await createTarget('sparkplug');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        SPARKPLUG_ENABLED: 'true',
        SPARKPLUG_HOST_ID: hostId,
        SPARKPLUG_GROUPS: group,
        SPARKPLUG_REORDER_TIMEOUT_MS: '300',
        SPARKPLUG_REBIRTH_INTERVAL_MS: '500',
      },
    });
    db = await connectDb(target.databaseUrl);
    db.on('error', () => undefined);
    watcher = await mqtt.connectAsync({ host: target.mqttHost, port: target.mqttPort, clientId: `${id}_watch` });
    watcher.on('message', (_topic, payload) => {
      // An empty payload is the retained message being cleared (afterAll).
      if (payload.length > 0) states.push(JSON.parse(payload.toString()) as (typeof states)[number]);
    });
    await watcher.subscribeAsync(`spBv1.0/STATE/${hostId}`, { qos: 1 });
    await registerUnits(target.databaseUrl, [unitId]);
    live = await connectSocket(backend.url, backend.token);
    live.on('sensor_data', (event: { unit_id: string; readings: LiveReading[] }) => {
      if (event.unit_id === unitId) liveReadings.push(...event.readings);
    });
    expect(await request(live, 'subscribe_unit', { unit_id: unitId })).toMatchObject({ ok: true });
  });

  afterAll(async () => {
    live?.disconnect();
    edge?.stop();
    // The shared Mosquitto keeps retained messages: this host's STATE goes with the test (before the backend stops:
    // the embedded broker stops with it). A graceful stop sends no will, so nothing is retained again.
    await watcher?.publishAsync(`spBv1.0/STATE/${hostId}`, '', { qos: 1, retain: true });
    await watcher?.endAsync();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it('keeps a retained STATE online while running', async () => {
    await eventually(() => expect(states.at(-1)).toMatchObject({ online: true, timestamp: expect.any(Number) }));
  });

  it('stores a birth and data by alias with their datatypes, live in the unit room', async () => {
    edge = newClient({
      serverUrl: `mqtt://${target.mqttHost}:${target.mqttPort}`,
      username: '',
      password: '',
      groupId: group,
      edgeNode: 'edge1',
      clientId: `${id}_edge1`,
      publishDeath: true,
      version: 'spBv1.0',
    });
    edge.on('birth', birth);
    edge.on('ncmd', (payload: UPayload) => {
      const rebirth = payload.metrics?.find((m) => m.name === 'Node Control/Rebirth');
      if (rebirth?.value === true) {
        rebirths.push(Date.now());
        birth();
      }
    });
    await eventually(async () => expect((await storedReadings(db, unitId, 'motor_speed')).length).toBeGreaterThan(0));

    edge.publishNodeData({
      timestamp: base,
      metrics: [
        { alias: 1, type: 'Double', value: 1510.5 },
        { alias: 2, type: 'Boolean', value: false },
        { alias: 3, type: 'Int32', value: -42 },
      ],
    });
    const at = new Date(base).toISOString();
    await eventually(async () => {
      const speed = (await storedReadings(db, unitId, 'motor_speed')).find((r) => r.time.toISOString() === at);
      const running = (await storedReadings(db, unitId, 'running')).find((r) => r.time.toISOString() === at);
      const count = (await storedReadings(db, unitId, 'count')).find((r) => r.time.toISOString() === at);
      expect([speed?.value, running?.value, count?.value].map(Number)).toEqual([1510.5, 0, -42]);
      expect(speed?.quality).toBe('GOOD');
    });
    expect(await storedReadings(db, unitId, 'label')).toEqual([]);
    const { rows } = await db.query<{ sensor_type: string; kind: string | null; engineering_unit: string | null }>(
      `SELECT sensor_type, kind, engineering_unit FROM sensors WHERE unit_id = '${unitId}' ORDER BY sensor_type`,
    );
    expect(rows).toEqual([
      { sensor_type: 'count', kind: null, engineering_unit: null },
      { sensor_type: 'motor_speed', kind: null, engineering_unit: 'rpm' },
      { sensor_type: 'running', kind: 'digital', engineering_unit: null },
    ]);
    await eventually(() =>
      expect(liveReadings).toContainEqual(
        expect.objectContaining({ sensor_type: 'motor_speed', value: 1510.5, timestamp: at }),
      ),
    );
  });

  it('answers a seq gap with a Rebirth NCMD, and lists the node', async () => {
    const before = rebirths.length;
    const birthsBefore = births;
    // Skip two sequence numbers, as if two messages were lost.
    (edge as unknown as { seq: number }).seq += 2;
    edge.publishNodeData({ timestamp: base + 1000, metrics: [{ alias: 1, type: 'Double', value: 1520 }] });
    await eventually(() => expect(rebirths.length).toBe(before + 1));
    expect(births).toBe(birthsBefore + 1);
    const nodes = await backend.request<{ id: string; state: string; rebirth_requests: number; metrics: number }[]>(
      'GET',
      '/api/v1/scada/sparkplug/nodes',
    );
    expect(nodes.status).toBe(200);
    expect(nodes.body.find((n) => n.id === unitId)).toMatchObject({ state: 'online', metrics: 5, bd_seq: 0 });
    expect(nodes.body.find((n) => n.id === unitId)!.rebirth_requests).toBeGreaterThanOrEqual(1);

    const asked = await backend.request('POST', `/api/v1/scada/sparkplug/nodes/${unitId}/rebirth`);
    expect(asked.status).toBe(200);
    await eventually(() => expect(rebirths.length).toBe(before + 2));
    expect((await backend.request('POST', '/api/v1/scada/sparkplug/nodes/nope/rebirth')).status).toBe(404);
  });

  it('marks the unit offline and its points stale on NDEATH', async () => {
    const lastBirthMetrics = await storedReadings(db, unitId, 'motor_speed');
    expect(lastBirthMetrics.length).toBeGreaterThan(0);
    edge.stop();
    await eventually(async () => {
      const { rows } = await db.query<{ status: string }>(`SELECT status FROM units WHERE id = '${unitId}'`);
      expect(rows[0]?.status).toBe('offline');
      const speed = await storedReadings(db, unitId, 'motor_speed');
      const newest = speed.reduce((a, b) => (a.time > b.time ? a : b));
      expect(newest).toMatchObject({ quality: 'UNCERTAIN', value: 1500 });
    });
    const nodes = await backend.request<{ id: string; state: string }[]>('GET', '/api/v1/scada/sparkplug/nodes');
    expect(nodes.body.find((n) => n.id === unitId)).toMatchObject({ state: 'offline' });
    const metrics = await backend.request('GET', '/metrics');
    expect(metrics.text).toMatch(/scada_sparkplug_rebirths_sent_total \d+/);
    expect(metrics.text).toContain('sparkplug_unsupported_datatype');
  });
});
