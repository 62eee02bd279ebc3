import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectSocket, registerUnits, request, storedReadings } from '../support/clients.js';
import { commandConfirmed, putCommandSettings } from '../support/commands.js';
import { eventually } from '../support/eventually.js';
import { ModbusTestServer } from '../support/modbus-server.js';
import { freePort } from '../support/ports.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

interface DeviceStatus {
  state: string;
  connected: boolean;
  polls: number;
  late_polls: number;
  requests: number;
  blocks: number;
  errors: Record<string, number>;
  reconnects: number;
  last_poll_at?: string;
  poll_ms_p50?: number;
  poll_ms_p99?: number;
}

interface Device {
  id: string;
  name: string;
  status: DeviceStatus;
}

interface LiveReading {
  sensor_type: string;
  value: number;
  quality: string;
  state?: string;
}

/** The register map of the first device: float32 in both word orders, a scaled int16 and two coils. */
const PLC_POINTS = [
  { area: 'holding', address: 0, data_type: 'float32', unit_id: 'UNIT001', sensor_type: 'temp_be' },
  {
    area: 'holding',
    address: 2,
    data_type: 'float32',
    word_order: 'little',
    unit_id: 'UNIT001',
    sensor_type: 'temp_le',
  },
  {
    area: 'holding',
    address: 4,
    data_type: 'int16',
    scale: 0.1,
    unit_id: 'UNIT001',
    sensor_type: 'pressure',
    writable: true,
  },
  { area: 'coil', address: 0, data_type: 'bool', unit_id: 'UNIT001', sensor_type: 'pump_running', writable: true },
  { area: 'coil', address: 1, data_type: 'bool', unit_id: 'UNIT001', sensor_type: 'valve_open' },
];

/**
 * 300 holding registers on one device, over two units (a unit may have 256 sensors): the protocol's 125-register
 * limit makes that three requests per poll at the least.
 */
const METER_POINTS = Array.from({ length: 300 }, (_, i) => ({
  area: 'holding',
  address: i,
  data_type: 'uint16',
  unit_id: i < 150 ? 'UNIT002' : 'UNIT003',
  sensor_type: `r${i}`,
}));

/**
 * The Modbus TCP source against jsmodbus's TCP server (a library the project did not write), started by this file
 * on free ports: a register map of floats in both word orders, a scaled int16 and coils becomes stored readings
 * and digital points that arrive live in the unit's room; commands write a register and a coil and are confirmed by
 * readback;
 * 300 registers are read in three requests (counted at the
 * server); a server that goes away gives BAD readings and is polled again by itself once it is back; the devices
 * survive a restart of the backend.
 */
describe(`Modbus TCP end to end (${TARGET})`, () => {
  let plc: ModbusTestServer;
  let meter: ModbusTestServer;
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client | undefined;
  let plcId: string;
  let meterId: string;
  const sockets: Socket[] = [];
  const live: LiveReading[] = [];

  const api = <T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, key?: string) =>
    backend.request<T>(
      method,
      `/api/v1/scada/modbus/devices${path}`,
      body,
      key === undefined ? undefined : { authorization: `Bearer ${key}` },
    );

  async function device(id: string): Promise<Device> {
    const reply = await api<Device>('GET', `/${id}`);
    expect(reply.status).toBe(200);
    return reply.body;
  }

  async function openDb(): Promise<pg.Client> {
    await db?.end().catch(() => undefined);
    const client = await connectDb(target.databaseUrl);
    client.on('error', () => undefined); // the embedded database goes away with the backend; openDb replaces it
    db = client;
    return client;
  }

  /** Waits for a stored reading of UNIT001/`sensor` with this quality (and value, when given) newer than `after`. */
  function storedLater(sensor: string, quality: string, after: number, value?: number, timeoutMs = 15_000) {
    return eventually(
      async () => {
        const rows = await storedReadings(db!, 'UNIT001', sensor);
        const match = rows.find(
          (r) =>
            r.time.getTime() > after &&
            r.quality === quality &&
            (value === undefined || Math.abs(r.value - value) < 1e-6),
        );
        expect(match).toBeDefined();
        return match!;
      },
      timeoutMs,
      100,
    );
  }

  beforeAll(async () => {
    plc = new ModbusTestServer(await freePort());
    meter = new ModbusTestServer(await freePort());
    await plc.start();
    await meter.start();
    plc.setFloat32(0, 21.5, 'big');
    plc.setFloat32(2, -3.25, 'little');
    plc.setInt16(4, -123);
    plc.setCoil(0, true);
    for (let i = 0; i < 300; i++) meter.holding.writeUInt16BE(1000 + i, i * 2);
    target = await createTarget('modbus');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        MODBUS_ALLOWED_HOSTS: '127.0.0.1',
        MODBUS_RECONNECT_MAX_MS: '500',
        // The units here never report a status; commands need none.
        COMMANDS_REFUSED_UNIT_STATUSES: 'none',
      },
    });
    await openDb();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await plc?.stop();
    await meter?.stop();
    await target?.dispose();
  });

  it('refuses hosts outside MODBUS_ALLOWED_HOSTS, bad register maps and callers below engineer', async () => {
    const base = { name: 'x', host: '127.0.0.1', port: plc.port, points: PLC_POINTS };
    const elsewhere = await api('POST', '', { ...base, host: '10.1.2.3' });
    expect(elsewhere.status).toBe(400);
    expect(JSON.stringify(elsewhere.body.message)).toContain("host '10.1.2.3' port");
    const badMap = await api('POST', '', {
      ...base,
      points: [{ area: 'input', address: 0, data_type: 'bool', unit_id: 'UNIT001', sensor_type: 'x' }],
    });
    expect(badMap.status).toBe(400);
    expect(JSON.stringify(badMap.body.message)).toContain('read bits from coil or discrete');
    expect((await api('POST', '', { ...base, points: [{ area: 'holding', address: 70000 }] })).status).toBe(400);
    const viewer = await backend.createKey('viewer');
    expect((await api('POST', '', base, viewer)).status).toBe(403);
    expect((await api('GET', '', undefined, viewer)).status).toBe(200);
    expect((await api('GET', '/not-a-uuid')).status).toBe(400);
  });

  it('stores float32 in both word orders, a scaled int16 and coils as digital points, live in the room', async () => {
    const socket = await connectSocket(backend.url, backend.token);
    sockets.push(socket);
    socket.on('sensor_data', (m: { unit_id: string; readings: LiveReading[] }) => {
      if (m.unit_id === 'UNIT001') live.push(...m.readings);
    });
    await registerUnits(target.databaseUrl, ['UNIT001']);
    expect(await request(socket, 'subscribe_unit', { unit_id: 'UNIT001' })).toMatchObject({ ok: true });

    const created = await api<Device>('POST', '', {
      name: 'boiler-plc',
      host: '127.0.0.1',
      port: plc.port,
      poll_interval_ms: 200,
      timeout_ms: 150,
      points: PLC_POINTS,
    });
    expect(created.status).toBe(201);
    plcId = created.body.id;

    await storedLater('temp_be', 'GOOD', 0, 21.5);
    await storedLater('temp_le', 'GOOD', 0, -3.25);
    await storedLater('pressure', 'GOOD', 0, -12.3);
    await storedLater('pump_running', 'GOOD', 0, 1);
    await storedLater('valve_open', 'GOOD', 0, 0);
    const { rows } = await db!.query<{ sensor_type: string; kind: string | null }>(
      `SELECT sensor_type, kind FROM sensors WHERE unit_id = 'UNIT001' AND sensor_type IN ('pump_running', 'temp_be')
       ORDER BY sensor_type`,
    );
    expect(rows).toEqual([
      { sensor_type: 'pump_running', kind: 'digital' },
      { sensor_type: 'temp_be', kind: null },
    ]);

    // A coil that changes arrives live as the digital point's new state.
    plc.setCoil(1, true);
    await eventually(
      () => expect(live).toContainEqual(expect.objectContaining({ sensor_type: 'valve_open', value: 1, state: 'ON' })),
      15_000,
      100,
    );
    expect(live).toContainEqual(expect.objectContaining({ sensor_type: 'temp_le', value: -3.25, quality: 'GOOD' }));

    const status = (await device(plcId)).status;
    expect(status).toMatchObject({ state: 'polling', connected: true, blocks: 2, errors: {} });
    expect(status.poll_ms_p99).toBeGreaterThanOrEqual(status.poll_ms_p50!);
    const health = await backend.getJson('/health');
    expect(health.modbus).toMatchObject({ available: true, devices: 1, connected: 1 });
  });

  it('reads 300 registers of one device in three requests, counted at the server', async () => {
    // A poll interval longer than the test: only the first poll and the one-off read reach the server.
    const created = await api<Device>('POST', '', {
      name: 'meter',
      host: '127.0.0.1',
      port: meter.port,
      poll_interval_ms: 600_000,
      timeout_ms: 2000,
      points: METER_POINTS,
    });
    expect(created.status).toBe(201);
    meterId = created.body.id;
    await eventually(async () => expect((await device(meterId)).status.polls).toBe(1), 15_000, 100);
    expect(meter.requests.holding).toBe(3);
    expect((await device(meterId)).status).toMatchObject({ blocks: 3, requests: 3 });

    const read = await api('POST', `/${meterId}/read`);
    expect(read.status).toBe(200);
    expect(meter.requests.holding).toBe(6);
    expect(read.body.values).toHaveLength(300);
    expect(read.body.values[299]).toMatchObject({
      unit_id: 'UNIT003',
      sensor_type: 'r299',
      value: 1299,
      quality: 'GOOD',
    });
    const stored = await eventually(async () => {
      const rows = await storedReadings(db!, 'UNIT003', 'r299');
      expect(rows.length).toBeGreaterThan(0);
      return rows;
    });
    expect(stored[0].value).toBe(1299);
  });

  it('writes a holding register through the commands API, confirmed by the value the next poll reads back', async () => {
    await putCommandSettings(backend, 'UNIT001', 'pressure', {
      channel: 'modbus',
      confirmation: 'readback',
      readback_tolerance: 0.01,
      timeout_ms: 5000,
    });
    await commandConfirmed(backend, 'UNIT001', 'pressure', 20.5);
    expect(plc.holding.readInt16BE(4 * 2)).toBe(205);
    await storedLater('pressure', 'GOOD', 0, 20.5);
  });

  it("writes a coil through the commands API: the server's coil changes, and the readback confirms it", async () => {
    await putCommandSettings(backend, 'UNIT001', 'pump_running', {
      channel: 'modbus',
      confirmation: 'readback',
      timeout_ms: 5000,
    });
    expect(plc.coil(0)).toBe(true);
    await commandConfirmed(backend, 'UNIT001', 'pump_running', 0);
    expect(plc.coil(0)).toBe(false);
    expect(plc.writes.coils).toBe(1);
    await storedLater('pump_running', 'GOOD', 0, 0);
  });

  it('gives BAD readings while the server is down and recovers by itself when it is back', async () => {
    await plc.stop();
    const stopped = Date.now();
    await storedLater('temp_be', 'BAD', stopped);
    await storedLater('pump_running', 'BAD', stopped);
    const down = (await device(plcId)).status;
    expect(down.connected).toBe(false);
    expect(down.errors.CONNECTION).toBeGreaterThan(0);
    expect((await backend.getJson('/health')).modbus).toMatchObject({ connected: 1, devices: 2 });

    plc.setFloat32(0, 42.25, 'big');
    await plc.start();
    const restarted = Date.now();
    await storedLater('temp_be', 'GOOD', restarted, 42.25);
    const up = (await device(plcId)).status;
    expect(up).toMatchObject({ connected: true });
    expect(up.reconnects).toBeGreaterThanOrEqual(1);
    const metrics = await backend.request('GET', '/metrics');
    expect(metrics.text).toMatch(/scada_modbus_errors_total\{device="boiler-plc",error="CONNECTION"\} [1-9]/);
    expect(metrics.text).toMatch(/scada_modbus_connected\{device="boiler-plc"\} 1/);
  });

  it('keeps its devices across a restart of the backend, and audits every change', async () => {
    const { rows: audited } = await db!.query<{ action: string; status: number }>(
      `SELECT action, status FROM audit_log WHERE path LIKE '/api/v1/scada/modbus/devices%' ORDER BY id`,
    );
    expect(audited.filter((a) => a.status === 201)).toHaveLength(2);
    expect(audited.some((a) => a.status === 400)).toBe(true);

    await backend.stop();
    await backend.restart();
    await openDb();
    const restarted = Date.now();
    const list = await api<{ devices: Device[] }>('GET', '');
    expect(list.body.devices.map((d) => d.name)).toEqual(['boiler-plc', 'meter']);
    await storedLater('temp_be', 'GOOD', restarted, 42.25);

    const removed = await api('DELETE', `/${meterId}`);
    expect(removed.status).toBe(200);
    expect((await api('GET', `/${meterId}`)).status).toBe(404);
  });
});
