import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import {
  connectDb,
  connectPublisher,
  createDevice,
  connectSocket,
  registerUnits,
  request,
  storedReadings,
} from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

/** The foundation's promise: a reading published over MQTT is stored and reaches its unit's room live. */
describe(`pipeline end to end (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // A real gateway's way in: a device credential for the units it serves, no anonymous access.
    target = await createTarget('pipeline', undefined, { anonymousMqtt: false });
    backend = await BackendProcess.start({ env: target.env });
    const login = await createDevice(backend, 'pipeline-gateway', ['UNIT001', 'UNIT003', 'UNIT005']);
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, {
      clientId: `${target.topicPrefix}_pub`,
      username: login.username,
      password: login.password,
    });
    db = await connectDb(target.databaseUrl);
    // Units known before their first reading (an HMI may open a unit's screen before it reports).
    await registerUnits(target.databaseUrl, ['UNIT001', 'UNIT002', 'UNIT004']);
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await publisher?.endAsync();
    await db?.end();
    await backend?.stop();
    await target?.dispose();
  });

  async function socket(): Promise<Socket> {
    const s = await connectSocket(backend.url, backend.token);
    sockets.push(s);
    return s;
  }

  it('confirms a Socket.IO connection with the client id and server time', async () => {
    // Listen before the handshake completes: the confirmation is the first thing the server sends.
    const s = io(backend.url, { transports: ['websocket'], reconnection: false, auth: { token: backend.token } });
    sockets.push(s);
    const confirmed = await new Promise<{ client_id: string; server_time: string }>((resolve) =>
      s.once('connection_confirmed', resolve),
    );
    expect(typeof confirmed.client_id).toBe('string');
    expect(Number.isNaN(Date.parse(confirmed.server_time))).toBe(false);
  });

  it('stores a bare-number QoS 1 reading and pushes it to subscribers of its unit only', async () => {
    const watcher = await socket();
    const other = await socket();
    expect(await request(watcher, 'subscribe_unit', { unit_id: 'UNIT001' })).toMatchObject({
      ok: true,
      unit_id: 'UNIT001',
    });
    expect(await request(other, 'subscribe_unit', { unit_id: 'UNIT002' })).toMatchObject({
      ok: true,
      unit_id: 'UNIT002',
    });
    const seenByOther: unknown[] = [];
    other.on('sensor_data', (m: unknown) => seenByOther.push(m));
    const received = new Promise<any>((resolve) => watcher.once('sensor_data', resolve));

    await publisher.publishAsync(`${target.topicPrefix}/UNIT001/temperature`, '25.5', { qos: 1 });

    const event = await received;
    expect(event.unit_id).toBe('UNIT001');
    expect(event.readings).toEqual([
      expect.objectContaining({ sensor_type: 'temperature', value: 25.5, quality: 'GOOD' }),
    ]);
    const rows = await eventually(async () => {
      const r = await storedReadings(db, 'UNIT001', 'temperature');
      expect(r).toHaveLength(1);
      return r;
    });
    expect(rows[0]).toMatchObject({ value: 25.5, quality: 'GOOD' });
    expect(seenByOther).toEqual([]);
  });

  it('lets an HMI open a unit that has never reported, and delivers its first reading live', async () => {
    const hmi = await socket();
    // UNIT005 is in neither the units table nor memory: the HMI started before the device.
    expect(await request(hmi, 'subscribe_unit', { unit_id: 'UNIT005' })).toEqual({
      ok: true,
      unit_id: 'UNIT005',
      unit_ids: ['UNIT005'],
      known: false,
      unknown_unit_ids: ['UNIT005'],
      latest: [],
    });
    // A list mixing a known unit (registered, no readings) and a never-seen one is accepted whole.
    expect(await request(hmi, 'subscribe_unit', { unit_ids: ['UNIT002', 'UNIT006'] })).toEqual({
      ok: true,
      unit_ids: ['UNIT002', 'UNIT006'],
      known: false,
      unknown_unit_ids: ['UNIT006'],
      latest: [{ unit_id: 'UNIT002', readings: [] }],
    });
    const received = new Promise<any>((resolve) => hmi.once('sensor_data', resolve));

    await publisher.publishAsync(`${target.topicPrefix}/UNIT005/power`, '71.25', { qos: 1 });

    expect(await received).toEqual({
      unit_id: 'UNIT005',
      readings: [{ sensor_type: 'power', value: 71.25, quality: 'GOOD', timestamp: expect.any(String) }],
    });
    // Reported once, the unit is known, and a new subscriber gets its snapshot.
    const late = await socket();
    expect(await request(late, 'subscribe_unit', { unit_id: 'UNIT005' })).toMatchObject({
      ok: true,
      known: true,
      unknown_unit_ids: [],
      latest: [{ unit_id: 'UNIT005', readings: [expect.objectContaining({ sensor_type: 'power', value: 71.25 })] }],
    });
  });

  it('stores a JSON reading with its own quality and timestamp', async () => {
    const timestamp = new Date(Date.now() - 60_000).toISOString();
    await publisher.publishAsync(
      `${target.topicPrefix}/UNIT003/pressure`,
      JSON.stringify({ value: 4.2, quality: 'uncertain', timestamp }),
      { qos: 1 },
    );
    const rows = await eventually(async () => {
      const r = await storedReadings(db, 'UNIT003', 'pressure');
      expect(r).toHaveLength(1);
      return r;
    });
    expect(rows[0].value).toBe(4.2);
    expect(rows[0].quality).toBe('UNCERTAIN');
    expect(rows[0].time.toISOString()).toBe(timestamp);
  });

  it('answers get_status with the client subscriptions, and refuses a malformed subscribe', async () => {
    const s = await socket();
    await request(s, 'subscribe_unit', { unit_id: 'UNIT004' });
    const status = await request(s, 'get_status');
    expect(status).toMatchObject({ ok: true, client_id: s.id, subscribed_units: ['UNIT004'] });
    expect(status.connected_clients).toBeGreaterThanOrEqual(1);
    expect(await request(s, 'subscribe_unit', { unit: 'UNIT004' })).toMatchObject({ ok: false });
    expect(await request(s, 'subscribe_unit', { unit_id: '../etc' })).toMatchObject({ ok: false });
    expect(await request(s, 'unsubscribe_unit', { unit_id: 'UNIT004' })).toMatchObject({
      ok: true,
      unit_id: 'UNIT004',
    });
    expect((await request(s, 'get_status')).subscribed_units).toEqual([]);
  });

  it('reports every service in /health, the probes and the status endpoint', async () => {
    const health = await backend.getJson('/health');
    expect(health).toMatchObject({
      status: 'healthy',
      mqtt: { connected: true, subscribed_topics: [`${target.topicPrefix}/#`] },
      websocket: { service_status: 'running' },
      database: { connected: true, embedded: TARGET === 'embedded' },
      opcua: { available: false, connected: false, subscribed_nodes: 0, state: 'disabled' },
    });
    expect((await fetch(`${backend.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${backend.url}/health/ready`)).status).toBe(200);
    const status = await backend.getJson('/api/v1/scada/status');
    expect(status.pipeline.stored).toBeGreaterThanOrEqual(2);
    const docs = await backend.getJson('/api/docs-json');
    expect(Object.keys(docs.paths)).toEqual(expect.arrayContaining(['/api/v1/scada/status', '/health/ready']));
  });
});
