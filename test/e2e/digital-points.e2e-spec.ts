import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher, connectSocket, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

interface LiveReading {
  sensor_type: string;
  value: number;
  quality: string;
  timestamp: string;
  state?: string;
}

interface SensorJson {
  id: number;
  sensor_type: string;
  kind: string;
  states: { value: number; name: string }[] | null;
}

const PUMP_STATES = [
  { value: 0, name: 'stopped' },
  { value: 1, name: 'running' },
  { value: 2, name: 'fault' },
];

/**
 * Digital and enum points end to end: boolean payloads stored as 1/0, kinds and state tables set over REST, the
 * state name in sensor_data and the latest API, a value outside the table stored as UNCERTAIN, and an `equals` rule
 * by state name raising a system_alert that names the state.
 */
describe(`digital and enum points end to end (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client;
  let live: Socket;
  const liveReadings: LiveReading[] = [];
  const alerts: { unit_id: string; sensor_type: string; action: string; message: string; value: number }[] = [];
  const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  let nextTime = 0;

  /** Publishes a payload as sent (QoS 1) with the next free timestamp where it is an object; returns that time. */
  async function publish(sensorType: string, value: unknown): Promise<string> {
    const timestamp = new Date(base + nextTime++ * 1000).toISOString();
    await publisher.publishAsync(`${target.topicPrefix}/PUMP1/${sensorType}`, JSON.stringify({ value, timestamp }), {
      qos: 1,
    });
    return timestamp;
  }

  async function storedAt(sensorType: string, timestamp: string): Promise<{ value: number; quality: string }> {
    return eventually(async () => {
      const { rows } = await db.query<{ value: number; quality: string; time: Date }>(
        `SELECT r.time, r.value, r.quality FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
         WHERE s.unit_id = 'PUMP1' AND s.sensor_type = '${sensorType}'`,
      );
      const row = rows.find((r) => r.time.toISOString() === timestamp);
      expect(row).toBeDefined();
      return { value: Number(row!.value), quality: row!.quality };
    });
  }

  async function liveAt(sensorType: string, timestamp: string): Promise<LiveReading> {
    return eventually(() => {
      const reading = liveReadings.find((r) => r.sensor_type === sensorType && r.timestamp === timestamp);
      expect(reading).toBeDefined();
      return reading!;
    });
  }

  async function sensor(sensorType: string): Promise<SensorJson> {
    const reply = await backend.request<{ items: SensorJson[] }>('GET', '/api/v1/scada/units/PUMP1/sensors');
    return reply.body.items.find((s) => s.sensor_type === sensorType)!;
  }

  beforeAll(async () => {
    target = await createTarget('digital');
    backend = await BackendProcess.start({ env: target.env });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${target.topicPrefix}_pub` });
    db = await connectDb(target.databaseUrl);
    db.on('error', () => undefined);
    live = await connectSocket(backend.url, backend.token);
    live.on('sensor_data', (event: { unit_id: string; readings: LiveReading[] }) => {
      if (event.unit_id === 'PUMP1') liveReadings.push(...event.readings);
    });
    live.on('system_alert', (alert: (typeof alerts)[number]) => alerts.push(alert));
    await registerUnits(target.databaseUrl, ['PUMP1']);
    expect(await request(live, 'subscribe_unit', { unit_id: 'PUMP1' })).toMatchObject({ ok: true });
  });

  afterAll(async () => {
    live?.disconnect();
    await publisher?.endAsync();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it('stores boolean payloads as 1 and 0, bare or as the JSON value', async () => {
    await publisher.publishAsync(`${target.topicPrefix}/PUMP1/running`, 'true', { qos: 1 });
    const off = await publish('running', false);
    expect(await storedAt('running', off)).toEqual({ value: 0, quality: 'GOOD' });
    await eventually(async () => {
      const { rows } = await db.query<{ value: number }>(
        `SELECT r.value FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
         WHERE s.unit_id = 'PUMP1' AND s.sensor_type = 'running' AND r.value = 1`,
      );
      expect(rows).toHaveLength(1);
    });
    const first = await publish('pump_state', 1);
    await storedAt('pump_state', first);
  });

  it('makes sensors digital and enum over REST, and refuses an enum without states', async () => {
    const running = await sensor('running');
    expect(running).toMatchObject({ kind: 'analog', states: null });
    const digital = await backend.request('PATCH', `/api/v1/scada/sensors/${running.id}`, { kind: 'digital' });
    expect(digital.status).toBe(200);
    expect(digital.body).toMatchObject({
      kind: 'digital',
      states: [
        { value: 0, name: 'OFF' },
        { value: 1, name: 'ON' },
      ],
    });

    const pump = await sensor('pump_state');
    const bare = await backend.request('PATCH', `/api/v1/scada/sensors/${pump.id}`, { kind: 'enum' });
    expect(bare.status).toBe(400);
    expect(String(bare.body.message)).toContain('an enum sensor needs states');
    const enumReply = await backend.request('PATCH', `/api/v1/scada/sensors/${pump.id}`, {
      kind: 'enum',
      states: PUMP_STATES,
    });
    expect(enumReply.status).toBe(200);
    expect(enumReply.body).toMatchObject({ kind: 'enum', states: PUMP_STATES });
  });

  it('refuses an equals rule on a state the point does not name', async () => {
    const reply = await backend.request('POST', '/api/v1/scada/alerts/rules', {
      sensor_type: 'pump_state',
      unit_id: 'PUMP1',
      condition: 'equals',
      state: 'tripped',
      severity: 'high',
      message: 'Pump {unit_id} is {state}',
    });
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body.message)).toContain("has a state 'tripped' (known: stopped, running, fault)");
  });

  it('alarms a pump in fault through equals by state name, with the state in the system_alert', async () => {
    const rule = await backend.request('POST', '/api/v1/scada/alerts/rules', {
      sensor_type: 'pump_state',
      unit_id: 'PUMP1',
      condition: 'equals',
      state: 'fault',
      severity: 'high',
      message: 'Pump {unit_id} is {state}',
    });
    expect(rule.status).toBe(201);
    expect(rule.body).toMatchObject({ condition: 'equals', threshold: 2 });

    const fault = await publish('pump_state', 2);
    expect(await storedAt('pump_state', fault)).toEqual({ value: 2, quality: 'GOOD' });
    expect(await liveAt('pump_state', fault)).toMatchObject({ value: 2, state: 'fault', quality: 'GOOD' });
    const raised = await eventually(() => {
      const alert = alerts.find((a) => a.sensor_type === 'pump_state' && a.action === 'raise');
      expect(alert).toBeDefined();
      return alert!;
    });
    expect(raised).toMatchObject({ unit_id: 'PUMP1', message: 'Pump PUMP1 is fault', value: 2 });
  });

  it('names digital values live and in the latest API', async () => {
    const on = await publish('running', true);
    expect(await storedAt('running', on)).toEqual({ value: 1, quality: 'GOOD' });
    expect(await liveAt('running', on)).toMatchObject({ value: 1, state: 'ON' });
    const latest = await backend.request('GET', '/api/v1/scada/telemetry/latest?unit_id=PUMP1');
    expect(latest.status).toBe(200);
    const sensors = latest.body.units[0].sensors as { sensor_type: string; state?: string }[];
    expect(sensors.find((s) => s.sensor_type === 'running')).toMatchObject({ value: 1, state: 'ON' });
    expect(sensors.find((s) => s.sensor_type === 'pump_state')).toMatchObject({ value: 2, state: 'fault' });
  });

  it('stores a value outside the state table as UNCERTAIN, without a name, and counts it', async () => {
    const odd = await publish('pump_state', 7);
    expect(await storedAt('pump_state', odd)).toEqual({ value: 7, quality: 'UNCERTAIN' });
    const reading = await liveAt('pump_state', odd);
    expect(reading).toMatchObject({ value: 7, quality: 'UNCERTAIN' });
    expect(reading.state).toBeUndefined();
    const metrics = await backend.request('GET', '/metrics');
    expect(metrics.text).toMatch(/scada_readings_state_unknown_total 1\b/);
  });
});
