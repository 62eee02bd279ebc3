import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import type { SystemAlert } from '../../src/alerts/alerts.events.js';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectSocket, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { opcuaClientEnv, OpcuaServerProcess } from '../support/opcua-server.js';
import { freePort } from '../support/ports.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

/** GET /api/v1/scada/opcua/status, as far as these tests read it. */
interface OpcuaStatus {
  state: string;
  connected: boolean;
  endpoint_url?: string;
  username?: string;
  mappings: number;
  monitored_items: number;
  subscribed_nodes: number;
  reconnects: number;
  connection_losses: number;
  last_error?: string;
}

interface BrowsedNode {
  node_id: string;
  display_name: string;
  node_class: string;
  data_type?: string;
  children?: BrowsedNode[];
}

interface SensorData {
  unit_id: string;
  readings: { sensor_type: string; value: number; quality: string; timestamp: string }[];
}

/** Never sent anywhere but in a request body: it must never come back out, in a reply or in the logs. */
const TEST_PASSWORD = 'opcua-pw-5b1d2e9a-never-echo';
const UNITS = ['UNIT001', 'UNIT002'];
/** The demo server's node ids: ns=1;s=<unit>.<sensor>. */
const TEMPERATURE = 'ns=1;s=UNIT001.temperature';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The OPC UA client against a real node-opcua server (the simulator's demo server class, run by this file): the
 * backend connects from its configuration, browses and reads the server, turns a mapped node's data changes into
 * scaled readings that are stored, streamed to the unit's room and checked by the alarm rules, rides out a server
 * restart by itself, and keeps its mappings across its own restart.
 */
describe(`OPC UA end to end (${TARGET})`, () => {
  let pkiDir: string;
  let opcuaPort: number;
  let server: OpcuaServerProcess;
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client | undefined;
  let mappingId: string;
  const sockets: Socket[] = [];
  const roomData: SensorData[] = [];
  const alerts: SystemAlert[] = [];

  const api = <T = any>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) =>
    backend.request<T>(method, `/api/v1/scada/opcua${path}`, body);

  async function status(): Promise<OpcuaStatus> {
    const reply = await api<OpcuaStatus>('GET', '/status');
    expect(reply.status).toBe(200);
    return reply.body;
  }

  async function startServer(): Promise<void> {
    server = await OpcuaServerProcess.start(opcuaPort, join(pkiDir, 'server'), UNITS.length);
  }

  async function openDb(): Promise<pg.Client> {
    await db?.end().catch(() => undefined);
    const client = await connectDb(target.databaseUrl);
    client.on('error', () => undefined); // the embedded database goes away with the backend; openDb replaces it
    db = client;
    return client;
  }

  /** Stored UNIT001 temperature rows. Literal SQL: the embedded database runs every connection in one session. */
  async function storedTemperatures(): Promise<{ time: Date; value: number; quality: string }[]> {
    const { rows } = await db!.query<{ time: Date; value: number; quality: string }>(
      `SELECT r.time, r.value, r.quality FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
       WHERE s.unit_id = 'UNIT001' AND s.sensor_type = 'temperature' ORDER BY r.time`,
    );
    return rows;
  }

  async function watchUnit001(): Promise<void> {
    const socket = await connectSocket(backend.url, backend.token);
    sockets.push(socket);
    socket.on('sensor_data', (m: SensorData) => roomData.push(m));
    socket.on('system_alert', (a: SystemAlert) => alerts.push(a));
    // The gateway refuses units it has never seen; UNIT001 may not have reported yet.
    await registerUnits(target.databaseUrl, ['UNIT001']);
    expect(await request(socket, 'subscribe_unit', { unit_id: 'UNIT001' })).toMatchObject({
      ok: true,
      unit_id: 'UNIT001',
    });
  }

  /** Sets the raw temperature (tenths of a kelvin) until a row with the expected °C value is stored. */
  async function untilStored(raw: number, celsius: number, timeoutMs = 30_000) {
    return eventually(
      async () => {
        // Set again on every try: a server that has just come back may not have the monitored item yet.
        await server.setValue('UNIT001', 'temperature', raw, 'GOOD', new Date());
        const rows = await storedTemperatures();
        const match = rows.find((r) => Math.abs(r.value - celsius) < 1e-9);
        expect(match).toBeDefined();
        return match!;
      },
      timeoutMs,
      250,
    );
  }

  beforeAll(async () => {
    pkiDir = mkdtempSync(join(tmpdir(), 'tc-opcua-'));
    opcuaPort = await freePort();
    await startServer();
    target = await createTarget('opcua');
    backend = await BackendProcess.start({
      env: { ...target.env, ...opcuaClientEnv(server.endpointUrl, pkiDir) },
    });
    await openDb();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await server?.stop();
    await target?.dispose();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  it('connects from its configuration and says so in /health and the status', async () => {
    await eventually(async () => expect((await status()).connected).toBe(true), 30_000, 200);
    const health = await backend.getJson('/health');
    expect(health.opcua).toMatchObject({ available: true, connected: true, subscribed_nodes: 0, state: 'connected' });
    expect(await status()).toMatchObject({ endpoint_url: server.endpointUrl, mappings: 0, monitored_items: 0 });
  });

  it("browses the server's address space down to the unit variables", async () => {
    const objects = await api<BrowsedNode>('GET', '/browse');
    expect(objects.status).toBe(200);
    expect(objects.body.children?.map((c) => c.display_name)).toContain('Units');

    const units = await api<BrowsedNode>('GET', `/browse?node_id=${encodeURIComponent('ns=1;s=Units')}&depth=2`);
    expect(units.status).toBe(200);
    expect(units.body.children?.map((c) => c.display_name)).toEqual(UNITS);
    const unit1 = units.body.children!.find((c) => c.display_name === 'UNIT001')!;
    expect(unit1.node_class).toBe('Object');
    expect(unit1.children).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ node_id: TEMPERATURE, node_class: 'Variable', data_type: 'Double' }),
        expect.objectContaining({ node_id: 'ns=1;s=UNIT001.power', node_class: 'Variable', data_type: 'Double' }),
      ]),
    );

    const unknown = await api('GET', `/browse?node_id=${encodeURIComponent('ns=1;s=NoSuchNode')}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain("Unknown node id 'ns=1;s=NoSuchNode'");
    expect((await api('GET', '/browse?node_id=nonsense')).status).toBe(400);
    expect((await api('GET', '/browse?depth=9')).status).toBe(400);
  });

  it('reads values with their status codes and timestamps', async () => {
    const sampled = new Date('2026-11-27T08:00:00.250Z');
    await server.setValue('UNIT001', 'pressure', 5.5, 'GOOD', sampled);
    await server.setValue('UNIT002', 'flow_rate', 12.25, 'UNCERTAIN', sampled);
    const reply = await api('POST', '/read', {
      node_ids: ['ns=1;s=UNIT001.pressure', 'ns=1;s=UNIT002.flow_rate', 'ns=1;s=UNIT002.power'],
    });
    expect(reply.status).toBe(200);
    const [pressure, flow, power] = reply.body.values;
    expect(pressure).toMatchObject({
      node_id: 'ns=1;s=UNIT001.pressure',
      value: 5.5,
      data_type: 'Double',
      status_code: 0,
      status: 'Good',
      quality: 'GOOD',
      source_timestamp: sampled.toISOString(),
    });
    expect(Date.parse(pressure.server_timestamp)).toBeGreaterThan(sampled.getTime());
    expect(flow).toMatchObject({ value: 12.25, status_code: 0x40000000, quality: 'UNCERTAIN' });
    // Never set: the server has no value yet, and says so.
    expect(power).toMatchObject({ value: null, status: 'BadWaitingForInitialData', quality: 'BAD' });

    const unknown = await api('POST', '/read', { node_ids: ['ns=1;s=UNIT001.pressure', 'ns=1;s=UNIT009.pressure'] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('ns=1;s=UNIT009.pressure');
    expect((await api('POST', '/read', { node_ids: [] })).status).toBe(400);
    expect((await api('POST', '/read', { node_ids: ['UNIT001.pressure'] })).status).toBe(400);
    expect((await api('POST', '/read', { node_ids: ['i=85'], extra: true })).status).toBe(400);
  });

  it('turns a mapped node into scaled readings: stored, in the unit room, and alarmed like MQTT readings', async () => {
    await watchUnit001();
    // The seed's example mapping: raw tenths of a kelvin → °C.
    const created = await api('POST', '/subscribe', {
      node_id: TEMPERATURE,
      unit_id: 'UNIT001',
      sensor_type: 'temperature',
      scale_factor: 0.1,
      offset: -273.15,
      sampling_interval_ms: 100,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ node_id: TEMPERATURE, scale_factor: 0.1, offset: -273.15, active: true });
    mappingId = created.body.id;

    const sampled = new Date(Date.now() - 1000);
    await server.setValue('UNIT001', 'temperature', 2931.5, 'GOOD', sampled);
    const row = await eventually(async () => {
      const rows = await storedTemperatures();
      expect(rows).toHaveLength(1);
      return rows[0];
    }, 30_000);
    expect(row.value).toBeCloseTo(20, 9);
    expect(row.quality).toBe('GOOD');
    expect(row.time.toISOString()).toBe(sampled.toISOString()); // the source timestamp, not arrival time
    await eventually(() =>
      expect(roomData.flatMap((m) => m.readings)).toContainEqual({
        sensor_type: 'temperature',
        value: expect.closeTo(20, 9),
        quality: 'GOOD',
        timestamp: sampled.toISOString(),
      }),
    );
    expect(roomData.every((m) => m.unit_id === 'UNIT001')).toBe(true);

    // The seeded rule: temperature above 85 °C is critical. 3600 → 86.85 °C.
    const hot = await untilStored(3600, 86.85);
    expect(hot.quality).toBe('GOOD');
    const raised = await eventually(() => {
      const alert = alerts.find((a) => a.action === 'raise' && a.sensor_type === 'temperature');
      expect(alert).toBeDefined();
      return alert!;
    });
    expect(raised).toMatchObject({ unit_id: 'UNIT001', severity: 'critical', value: expect.closeTo(86.85, 9) });
    const alarms = await db!.query<{ state: string }>(
      `SELECT state FROM alarms WHERE unit_id = 'UNIT001' AND sensor_type = 'temperature'`,
    );
    expect(alarms.rows.map((r) => r.state)).toEqual([expect.stringMatching(/^active/)]);

    const subs = await api('GET', '/subscriptions');
    expect(subs.body.subscriptions).toEqual([expect.objectContaining({ id: mappingId, active: true })]);
    expect(await status()).toMatchObject({ mappings: 1, monitored_items: 1, subscribed_nodes: 1 });
    expect((await backend.getJson('/health')).opcua).toMatchObject({ subscribed_nodes: 1 });
  });

  it('refuses a mapping for an unknown node, a mapped node, a mapped sensor, and bad fields', async () => {
    const unknown = await api('POST', '/subscribe', { node_id: 'ns=1;s=Nope', unit_id: 'UNIT002', sensor_type: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain("Unknown node id 'ns=1;s=Nope'");
    const sameNode = await api('POST', '/subscribe', {
      node_id: TEMPERATURE,
      unit_id: 'UNIT002',
      sensor_type: 'temp2',
    });
    expect(sameNode.status).toBe(409);
    const sameSensor = await api('POST', '/subscribe', {
      node_id: 'ns=1;s=UNIT001.power',
      unit_id: 'UNIT001',
      sensor_type: 'temperature',
    });
    expect(sameSensor.status).toBe(409);
    expect(sameSensor.body.message).toContain(`UNIT001/temperature is already fed by node '${TEMPERATURE}'`);
    for (const bad of [
      { node_id: TEMPERATURE, unit_id: '../x', sensor_type: 'temperature' },
      { node_id: 'garbage', unit_id: 'UNIT002', sensor_type: 'temperature' },
      { node_id: TEMPERATURE, unit_id: 'UNIT002', sensor_type: 'temperature', scale_factor: 'ten' },
      { node_id: TEMPERATURE, unit_id: 'UNIT002', sensor_type: 'temperature', sampling_interval_ms: -5 },
    ]) {
      expect((await api('POST', '/subscribe', bad)).status).toBe(400);
    }
    expect((await status()).monitored_items).toBe(1);
  });

  it('reconnects by itself when the server goes away and comes back, with the same monitored items', async () => {
    const before = await status();
    expect(before.monitored_items).toBe(1);
    await server.stop();
    await eventually(async () => expect((await status()).state).toBe('reconnecting'), 30_000, 200);
    // A connect for the same server while the connection is being re-established is not an error: it reports that.
    const meanwhile = await api('POST', '/connect', {});
    expect(meanwhile.status).toBe(200);
    expect(meanwhile.body).toMatchObject({ state: 'reconnecting', connected: false });
    expect((await backend.getJson('/health')).opcua).toMatchObject({ available: true, connected: false });
    await sleep(5000); // the server stays away for several seconds, through several failed attempts
    expect((await status()).connected).toBe(false);
    await startServer();

    // No API call: the client finds the server again and data flows. 3000 → 26.85 °C.
    await untilStored(3000, 26.85, 60_000);
    const after = await status();
    expect(after).toMatchObject({ connected: true, monitored_items: before.monitored_items, subscribed_nodes: 1 });
    expect(after.reconnects).toBeGreaterThanOrEqual(before.reconnects + 1);
    expect(after.connection_losses).toBeGreaterThanOrEqual(before.connection_losses + 1);
    expect((await backend.getJson('/health')).opcua).toMatchObject({ connected: true, subscribed_nodes: 1 });
    // The same facts reach Prometheus.
    const metrics = (await backend.request('GET', '/metrics')).text;
    expect(metrics).toMatch(/^scada_opcua_connected 1$/m);
    expect(metrics).toMatch(/^scada_opcua_monitored_items 1$/m);
    const reconnects = /^scada_opcua_reconnects_total (\d+)$/m.exec(metrics);
    expect(Number(reconnects?.[1])).toBe(after.reconnects);
  });

  it('keeps its mappings across a backend restart', async () => {
    await backend.stop();
    await backend.restart();
    await openDb();
    await eventually(async () => expect((await status()).connected).toBe(true), 30_000, 200);
    const subs = await api('GET', '/subscriptions');
    expect(subs.body.subscriptions).toEqual([
      expect.objectContaining({
        id: mappingId,
        node_id: TEMPERATURE,
        unit_id: 'UNIT001',
        sensor_type: 'temperature',
        scale_factor: 0.1,
        offset: -273.15,
        sampling_interval_ms: 100,
      }),
    ]);
    await untilStored(2500, -23.15); // 250 K, and it is monitored again
    expect(await status()).toMatchObject({ mappings: 1, monitored_items: 1 });
  });

  it('answers connection errors clearly and never echoes the password', async () => {
    // Connect is idempotent: asking again for the connection there is answers with it; another endpoint is refused.
    const again = await api('POST', '/connect', {});
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ state: 'connected', connected: true, endpoint_url: server.endpointUrl });
    const trailingSlash = await api('POST', '/connect', { endpoint_url: `${server.endpointUrl}/` });
    expect(trailingSlash.status).toBe(200);
    const elsewhere = await api('POST', '/connect', { endpoint_url: 'opc.tcp://127.0.0.1:1' });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.message).toContain(`OPC UA is connected to ${server.endpointUrl}`);
    expect(elsewhere.body.message).toContain('differs in endpoint_url');
    expect((await status()).connected).toBe(true);
    const off = await api('POST', '/disconnect');
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ state: 'disconnected', connected: false, monitored_items: 0 });
    expect((await api('POST', '/disconnect')).status).toBe(409);
    const notConnected = await api('POST', '/read', { node_ids: [TEMPERATURE] });
    expect(notConnected.status).toBe(503);
    expect(notConnected.body.message).toContain('not connected');
    expect((await backend.getJson('/health')).opcua).toMatchObject({ available: true, connected: false });

    const closedPort = await freePort();
    const unreachable = await api('POST', '/connect', { endpoint_url: `opc.tcp://127.0.0.1:${closedPort}` });
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.message).toContain(`opc.tcp://127.0.0.1:${closedPort} is not reachable`);

    const security = await api('POST', '/connect', {
      security_mode: 'SignAndEncrypt',
      security_policy: 'Basic256Sha256',
    });
    expect(security.status).toBe(400);
    expect(security.body.message).toContain('does not accept security mode SignAndEncrypt with policy Basic256Sha256');
    const mismatch = await api('POST', '/connect', { security_mode: 'None', security_policy: 'Basic256Sha256' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toContain('security mode None goes with security policy None');
    expect((await api('POST', '/connect', { endpoint_url: 'http://example.com' })).status).toBe(400);
    expect((await api('POST', '/connect', { security_mode: 'Loud' })).status).toBe(400);

    // The demo server accepts anonymous sessions only: a user is refused, and the password never comes back out.
    const withUser = await api('POST', '/connect', { username: 'operator', password: TEST_PASSWORD });
    expect(withUser.status).toBe(502);
    expect(withUser.body.message).toContain('rejected the user identity');
    expect(withUser.text).not.toContain(TEST_PASSWORD);
    expect(JSON.stringify(await status())).not.toContain(TEST_PASSWORD);

    const back = await api('POST', '/connect', {});
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ connected: true, monitored_items: 1 });
    expect(backend.logs).not.toContain(TEST_PASSWORD);
  });

  it('deletes a mapping and its monitored item', async () => {
    expect((await api('DELETE', '/subscriptions/not-a-uuid')).status).toBe(400);
    const removed = await api('DELETE', `/subscriptions/${mappingId}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: mappingId, active: false });
    expect((await api('DELETE', `/subscriptions/${mappingId}`)).status).toBe(404);
    expect((await api('GET', '/subscriptions')).body.subscriptions).toEqual([]);
    expect(await status()).toMatchObject({ mappings: 0, monitored_items: 0, subscribed_nodes: 0 });
  });

  it('documents every route in Swagger', async () => {
    const docs = await backend.getJson('/api/docs-json');
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/scada/opcua/status',
        '/api/v1/scada/opcua/connect',
        '/api/v1/scada/opcua/disconnect',
        '/api/v1/scada/opcua/browse',
        '/api/v1/scada/opcua/read',
        '/api/v1/scada/opcua/subscribe',
        '/api/v1/scada/opcua/subscriptions',
        '/api/v1/scada/opcua/subscriptions/{id}',
      ]),
    );
  });
});
