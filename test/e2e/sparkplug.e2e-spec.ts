import mqtt, { type MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { newClient, type UPayload } from 'sparkplug-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectSocket, registerUnits, request, storedReadings } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, testId, type TestTarget } from '../support/target.js';

type EdgeNode = ReturnType<typeof newClient>;

/** A metric as Tahu's decoder hands it to the edge node (alias as a number or a Long). */
interface TahuMetric {
  name?: string;
  alias?: unknown;
  type?: string;
  value?: unknown;
}

interface LiveReading {
  sensor_type: string;
  value: number;
  quality: string;
  timestamp: string;
  state?: string;
}

/**
 * The Sparkplug B host end to end against an edge node the project did not write (Eclipse Tahu's
 * `sparkplug-client` from npm, driven from here) on the real broker: STATE retained online, birth → data by alias →
 * stored with the right datatypes and live in the unit's room, a seq gap → a Rebirth NCMD, NDEATH → unit offline
 * and points stale (UNCERTAIN); commands from the commands API as DCMD, confirmed by the DDATA readback; a mapping
 * override applied at the rebirth it requests; historical metrics stored but not live.
 */
describe(`Sparkplug B host (${TARGET})`, () => {
  const id = testId('sp');
  const group = `g_${id}`;
  const hostId = `h_${id}`;
  const unitId = `${group}_edge1`;
  const pumpUnit = `${group}_edge1_Pump`;
  const boilerUnit = `${id}_boiler`;
  /** DCMDs the edge node received, by device, as Tahu decoded them. */
  const dcmds: { device: string; metrics: TahuMetric[] }[] = [];
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
    edge.publishDeviceBirth('Pump', {
      timestamp: Date.now(),
      metrics: [
        { name: 'Setpoint', alias: 11, type: 'Int16', value: 50 },
        { name: 'Run', alias: 12, type: 'Boolean', value: false },
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
    await registerUnits(target.databaseUrl, [unitId, pumpUnit, boilerUnit]);
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
    edge.on('dcmd', (device: string, payload: UPayload) => {
      dcmds.push({ device, metrics: (payload.metrics ?? []) as TahuMetric[] });
    });
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
    // A String metric is a state name: 'label' has no state table yet, so its value is refused and counted.
    expect(await storedReadings(db, unitId, 'label')).toEqual([]);
    const { rows } = await db.query<{ sensor_type: string; kind: string | null; engineering_unit: string | null }>(
      `SELECT sensor_type, kind, engineering_unit FROM sensors WHERE unit_id = '${unitId}' ORDER BY sensor_type`,
    );
    expect(rows).toEqual([
      { sensor_type: 'count', kind: null, engineering_unit: null },
      { sensor_type: 'label', kind: null, engineering_unit: null },
      { sensor_type: 'motor_speed', kind: null, engineering_unit: 'rpm' },
      { sensor_type: 'running', kind: 'digital', engineering_unit: null },
    ]);
    await eventually(() =>
      expect(liveReadings).toContainEqual(
        expect.objectContaining({ sensor_type: 'motor_speed', value: 1510.5, timestamp: at }),
      ),
    );
  });

  it('stores a String metric as the state it names once its sensor has a state table', async () => {
    const sensors = await backend.request<{ items: { id: string; sensor_type: string }[] }>(
      'GET',
      `/api/v1/scada/units/${unitId}/sensors`,
    );
    const label = sensors.body.items.find((s) => s.sensor_type === 'label')!;
    const states = [
      { value: 0, name: 'idle' },
      { value: 1, name: 'running' },
    ];
    expect((await backend.request('PATCH', `/api/v1/scada/sensors/${label.id}`, { kind: 'enum', states })).status).toBe(
      200,
    );
    const metricsBefore = (await backend.request('GET', '/metrics')).text;
    expect(metricsBefore).toMatch(/reason="state_name_unknown"\} [1-9]/);
    const at = new Date(base + 500).toISOString();
    edge.publishNodeData({
      timestamp: base + 500,
      metrics: [
        { alias: 4, type: 'String', value: 'Running' },
        { alias: 1, type: 'Double', value: 1515 },
      ],
    });
    await eventually(async () => {
      const stored = (await storedReadings(db, unitId, 'label')).find((r) => r.time.toISOString() === at);
      expect(stored).toMatchObject({ quality: 'GOOD' });
      expect(Number(stored!.value)).toBe(1);
    });
    await eventually(() =>
      expect(liveReadings).toContainEqual(
        expect.objectContaining({ sensor_type: 'label', value: 1, state: 'running', timestamp: at }),
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

  /** The sensor id of a point, once the birth has declared it. */
  async function sensorId(unit: string, sensorType: string): Promise<number> {
    return eventually(async () => {
      const reply = await backend.request<{ items: { id: number; sensor_type: string }[] }>(
        'GET',
        `/api/v1/scada/units/${unit}/sensors`,
      );
      const sensor = reply.body.items?.find((s) => s.sensor_type === sensorType);
      expect(sensor).toBeDefined();
      return sensor!.id;
    });
  }

  /** Issues a command and answers the DCMD it causes, with the metric Tahu decoded. */
  async function command(sensorType: string, value: number | boolean): Promise<{ id: string; metric: TahuMetric }> {
    const before = dcmds.length;
    const sent = await backend.request<{ id: string; state: string }>(
      'POST',
      `/api/v1/scada/units/${pumpUnit}/sensors/${sensorType}/commands`,
      { value },
    );
    expect(sent.status).toBe(202);
    expect(sent.body.state).toBe('sent');
    const dcmd = await eventually(() => {
      expect(dcmds.length).toBe(before + 1);
      return dcmds[before];
    });
    expect(dcmd.device).toBe('Pump');
    expect(dcmd.metrics).toHaveLength(1);
    return { id: sent.body.id, metric: dcmd.metrics[0] };
  }

  async function commandState(commandId: string): Promise<string> {
    return (await backend.request<{ state: string }>('GET', `/api/v1/scada/commands/${commandId}`)).body.state;
  }

  it('sends commands to device metrics as DCMD in their birth datatype, confirmed by the DDATA readback', async () => {
    const setpoint = await sensorId(pumpUnit, 'setpoint');
    const run = await sensorId(pumpUnit, 'run');
    // Sparkplug has no command acknowledgement: only the readback confirms.
    const ack = await backend.request('PUT', `/api/v1/scada/sensors/${setpoint}/command-settings`, {
      channel: 'sparkplug',
      confirmation: 'ack',
    });
    expect(ack.status).toBe(400);
    for (const sensor of [setpoint, run]) {
      const put = await backend.request('PUT', `/api/v1/scada/sensors/${sensor}/command-settings`, {
        channel: 'sparkplug',
        confirmation: 'readback',
        timeout_ms: 20_000,
      });
      expect(put.status).toBe(200);
    }

    const analog = await command('setpoint', 75);
    expect(analog.metric).toMatchObject({ name: 'Setpoint', type: 'Int16', value: 75 });
    expect(String(analog.metric.alias)).toBe('11');
    expect(await commandState(analog.id)).toBe('sent');
    edge.publishDeviceData('Pump', { timestamp: Date.now(), metrics: [{ alias: 11, type: 'Int16', value: 75 }] });
    await eventually(async () => expect(await commandState(analog.id)).toBe('confirmed'));

    const digital = await command('run', true);
    expect(digital.metric).toMatchObject({ name: 'Run', type: 'Boolean', value: true });
    edge.publishDeviceData('Pump', { timestamp: Date.now(), metrics: [{ alias: 12, type: 'Boolean', value: true }] });
    await eventually(async () => expect(await commandState(digital.id)).toBe('confirmed'));

    // A value the Int16 cannot hold is refused before anything is stored or sent.
    const dcmdsBefore = dcmds.length;
    const tooBig = await backend.request<{ message: string }>(
      'POST',
      `/api/v1/scada/units/${pumpUnit}/sensors/setpoint/commands`,
      { value: 40_000 },
    );
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.message).toContain('40000 does not fit Int16');
    expect(dcmds.length).toBe(dcmdsBefore);
    const metrics = await backend.request('GET', '/metrics');
    expect(metrics.text).toMatch(/scada_sparkplug_commands_sent_total 2\b/);
  });

  it('stores historical metrics without making them the live value', async () => {
    const old = base + 5_000;
    edge.publishNodeData({
      timestamp: Date.now(),
      metrics: [{ alias: 3, type: 'Int32', value: 1111, isHistorical: true, timestamp: old }],
    });
    edge.publishNodeData({ timestamp: base + 6_000, metrics: [{ alias: 3, type: 'Int32', value: 1222 }] });
    await eventually(async () => {
      const counts = await storedReadings(db, unitId, 'count');
      expect(counts.find((r) => r.time.toISOString() === new Date(old).toISOString())?.value).toBe(1111);
      expect(liveReadings).toContainEqual(expect.objectContaining({ sensor_type: 'count', value: 1222 }));
    });
    // Broadcast in order: had the historical value gone live, it would have come before 1222.
    expect(liveReadings).not.toContainEqual(expect.objectContaining({ sensor_type: 'count', value: 1111 }));
  });

  it('maps an edge node to another unit with renamed metrics from the Rebirth it requests, and back', async () => {
    const before = rebirths.length;
    // An engineer limited to the new unit cannot take the node's points from the unit they feed by default.
    const scoped = await backend.createKey('engineer', { name: `${id}-boiler-only`, units: [boilerUnit] });
    const outside = await backend.request<{ message: string }>(
      'POST',
      '/api/v1/scada/sparkplug/mappings',
      { group_id: group, edge_node_id: 'edge1', unit_id: boilerUnit },
      { authorization: `Bearer ${scoped}` },
    );
    expect(outside.status).toBe(403);
    expect(outside.body.message).toContain(`belongs to unit '${unitId}'`);
    const created = await backend.request<{ id: string; rebirth_requested: boolean; default_unit_id: string }>(
      'POST',
      '/api/v1/scada/sparkplug/mappings',
      { group_id: group, edge_node_id: 'edge1', unit_id: boilerUnit, metrics: { 'Motor/Speed': 'pump_speed' } },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ rebirth_requested: true, default_unit_id: unitId });
    await eventually(() => expect(rebirths.length).toBe(before + 1));
    await eventually(async () => {
      expect((await storedReadings(db, boilerUnit, 'pump_speed')).length).toBeGreaterThan(0);
      expect((await storedReadings(db, boilerUnit, 'running')).length).toBeGreaterThan(0);
    });
    const at = base + 7_000;
    edge.publishNodeData({ timestamp: at, metrics: [{ alias: 1, type: 'Double', value: 1600 }] });
    await eventually(async () => {
      const speed = await storedReadings(db, boilerUnit, 'pump_speed');
      expect(speed.find((r) => r.time.toISOString() === new Date(at).toISOString())?.value).toBe(1600);
    });
    expect(await storedReadings(db, unitId, 'motor_speed')).not.toContainEqual(
      expect.objectContaining({ value: 1600 }),
    );
    const listed = await backend.request<{ mappings: { id: string; unit_id: string }[] }>(
      'GET',
      '/api/v1/scada/sparkplug/mappings',
    );
    expect(listed.body.mappings).toEqual([expect.objectContaining({ id: created.body.id, unit_id: boilerUnit })]);
    const nodes = await backend.request<{ id: string }[]>('GET', '/api/v1/scada/sparkplug/nodes');
    expect(nodes.body.map((n) => n.id)).toContain(boilerUnit);
    // Taken already, and a unit id that breaks the identifier rule.
    const again = await backend.request('POST', '/api/v1/scada/sparkplug/mappings', {
      group_id: group,
      edge_node_id: 'edge1',
      unit_id: `${id}_other`,
    });
    expect(again.status).toBe(409);
    const invalid = await backend.request('POST', '/api/v1/scada/sparkplug/mappings', {
      group_id: group,
      edge_node_id: 'edge2',
      unit_id: 'not a unit',
    });
    expect(invalid.status).toBe(400);

    const removed = await backend.request('DELETE', `/api/v1/scada/sparkplug/mappings/${created.body.id}`);
    expect(removed.status).toBe(200);
    await eventually(() => expect(rebirths.length).toBe(before + 2));
    await eventually(async () => {
      const nodesNow = await backend.request<{ id: string; state: string }[]>('GET', '/api/v1/scada/sparkplug/nodes');
      expect(nodesNow.body.find((n) => n.id === unitId)).toMatchObject({ state: 'online' });
    });
    await eventually(async () => {
      const audit = await db.query<{ action: string; result: string }>(
        `SELECT action, result FROM audit_log WHERE action LIKE 'sparkplug.%Mapping' ORDER BY id`,
      );
      expect(audit.rows).toEqual([
        { action: 'sparkplug.createMapping', result: 'denied' },
        { action: 'sparkplug.createMapping', result: 'ok' },
        { action: 'sparkplug.createMapping', result: 'failed' },
        { action: 'sparkplug.createMapping', result: 'failed' },
        { action: 'sparkplug.removeMapping', result: 'ok' },
      ]);
    });
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
    expect(metrics.text).toContain('state_name_unknown');
  });
});
