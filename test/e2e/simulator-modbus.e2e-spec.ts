import { Socket as NetSocket } from 'node:net';
import Modbus from 'jsmodbus';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { BackendProcess, QUIET_SIMULATOR } from '../support/backend.js';
import { connectDb, connectSocket, request, storedReadings } from '../support/clients.js';
import { commandConfirmed } from '../support/commands.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/ports.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

interface Device {
  id: string;
  name: string;
  host: string;
  port: number;
  modbus_unit_id: number;
  points: { area: string; address: number; unit_id: string; sensor_type: string; writable: boolean }[];
  status: { state: string; connected: boolean; polls: number; errors: Record<string, number> };
}

interface LiveReading {
  sensor_type: string;
  value: number;
  quality: string;
  state?: string;
}

/** A Modbus client from a library the project did not write (jsmodbus), to look at the simulator's registers. */
class Probe {
  private constructor(
    private readonly socket: NetSocket,
    private readonly client: InstanceType<typeof Modbus.client.TCP>,
  ) {}

  static async open(port: number, unitId: number): Promise<Probe> {
    // The client watches the socket's connect event: it is made before the socket connects.
    const socket = new NetSocket();
    const client = new Modbus.client.TCP(socket, unitId, 2000);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
      socket.connect({ host: '127.0.0.1', port });
    });
    return new Probe(socket, client);
  }

  async setpoint(): Promise<number> {
    const { response } = await this.client.readHoldingRegisters(0, 2);
    return response.body.valuesAsBuffer.readFloatBE(0);
  }

  async pump(): Promise<boolean> {
    const { response } = await this.client.readCoils(0, 1);
    return Boolean(response.body.valuesAsArray[0]);
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * SIMULATOR_MODBUS_PORT end to end: the simulator serves its units over Modbus TCP (modbus-serial's server), the
 * backend registers a device simulator-UNITnnn per unit at start and polls it into units MB-UNITnnn, stored and live;
 * a setpoint written to the holding register and a pump coil write are confirmed by readback and seen at the server
 * by another Modbus client; only the simulator's own endpoint passes the empty MODBUS_ALLOWED_HOSTS; a restart
 * registers nothing twice.
 */
describe(`simulator over Modbus TCP (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client | undefined;
  let port: number;
  let socket: Socket | undefined;
  let probe: Probe | undefined;
  const live: LiveReading[] = [];

  async function openDb(): Promise<void> {
    await db?.end().catch(() => undefined);
    db = await connectDb(target.databaseUrl);
    db.on('error', () => undefined); // the embedded database goes away with the backend; openDb replaces it
  }

  async function devices(): Promise<Device[]> {
    const reply = await backend.request<{ devices: Device[] }>('GET', '/api/v1/scada/modbus/devices');
    expect(reply.status).toBe(200);
    return reply.body.devices;
  }

  /** A stored reading of MB-UNIT001/`sensor` newer than `after` that satisfies `match`. */
  function storedLater(sensor: string, after: number, match: (r: { value: number; quality: string }) => boolean) {
    return eventually(
      async () => {
        const rows = await storedReadings(db!, 'MB-UNIT001', sensor);
        const found = rows.find((r) => r.time.getTime() > after && match(r));
        expect(found).toBeDefined();
        return found!;
      },
      30_000,
      100,
    );
  }

  beforeAll(async () => {
    port = await freePort();
    target = await createTarget('simulator_modbus');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        ...QUIET_SIMULATOR,
        SIMULATOR_AUTOSTART: 'true',
        SIMULATOR_UNITS: '2',
        SIMULATOR_INTERVAL_MS: '250',
        SIMULATOR_MODBUS_PORT: String(port),
        MODBUS_RECONNECT_MAX_MS: '500',
      },
    });
    await openDb();
  });

  afterAll(async () => {
    probe?.close();
    socket?.disconnect();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it('registers a device per simulated unit at start, polled into MB- units: stored and live', async () => {
    // Registered in the background at start-up.
    const listed = await eventually(async () => {
      const all = await devices();
      expect(all).toHaveLength(2);
      return all;
    }, 20_000);
    expect(listed.map((d) => [d.name, d.host, d.port, d.modbus_unit_id])).toEqual([
      ['simulator-UNIT001', '127.0.0.1', port, 1],
      ['simulator-UNIT002', '127.0.0.1', port, 2],
    ]);
    expect(listed[0].points.filter((p) => p.writable).map((p) => `${p.area}:${p.sensor_type}`)).toEqual([
      'holding:temperature_setpoint',
      'coil:pump',
    ]);

    const temperature = await storedLater('temperature', 0, (r) => r.quality === 'GOOD');
    expect(temperature.value).toBeGreaterThan(-10);
    expect(temperature.value).toBeLessThan(40);
    await storedLater('flow_rate', 0, (r) => r.quality === 'GOOD' && r.value >= 50 && r.value <= 300);
    await storedLater('pump', 0, (r) => r.quality === 'GOOD' && r.value === 1);
    // The second unit is its own device and unit.
    expect((await storedReadings(db!, 'MB-UNIT002', 'power')).length).toBeGreaterThan(0);

    socket = await connectSocket(backend.url, backend.token);
    socket.on('sensor_data', (m: { unit_id: string; readings: LiveReading[] }) => {
      if (m.unit_id === 'MB-UNIT001') live.push(...m.readings);
    });
    expect(await request(socket, 'subscribe_unit', { unit_id: 'MB-UNIT001' })).toMatchObject({ ok: true });
    await eventually(
      () => {
        expect(live).toContainEqual(expect.objectContaining({ sensor_type: 'pump', value: 1, state: 'ON' }));
        expect(live).toContainEqual(expect.objectContaining({ sensor_type: 'pressure', quality: 'GOOD' }));
      },
      20_000,
      100,
    );

    const sensors = await backend.request<{ items: { sensor_type: string; engineering_unit: string | null }[] }>(
      'GET',
      '/api/v1/scada/units/MB-UNIT001/sensors',
    );
    expect(sensors.body.items.find((s) => s.sensor_type === 'temperature')?.engineering_unit).toBe('°C');
    const health = await backend.getJson('/health');
    expect(health.simulator_modbus_server).toMatchObject({ enabled: true, listening: true, units: 2, devices: 2 });
    const status = (await devices())[0].status;
    expect(status).toMatchObject({ state: 'polling', connected: true });
  });

  it('writes the setpoint holding register through the commands API, confirmed by readback and held by the server', async () => {
    await commandConfirmed(backend, 'MB-UNIT001', 'temperature_setpoint', 12.5);
    probe = await Probe.open(port, 1);
    expect(await probe.setpoint()).toBe(12.5);
    await storedLater('temperature_setpoint', 0, (r) => r.quality === 'GOOD' && r.value === 12.5);
    // Outside the unit's range: refused by the command's limits, before anything is written.
    const refused = await backend.request(
      'POST',
      '/api/v1/scada/units/MB-UNIT001/sensors/temperature_setpoint/commands',
      {
        value: 80,
      },
    );
    expect(refused.status).toBe(400);
    expect(await probe.setpoint()).toBe(12.5);
  });

  it('writes the pump coil, confirmed by readback; the simulated pump stops and the flow polled falls', async () => {
    expect(await probe!.pump()).toBe(true);
    const before = Date.now();
    await commandConfirmed(backend, 'MB-UNIT001', 'pump', 0);
    expect(await probe!.pump()).toBe(false);
    await storedLater('pump', before, (r) => r.quality === 'GOOD' && r.value === 0);
    await storedLater('flow_rate', before, (r) => r.quality === 'GOOD' && r.value < 10);
  });

  it('lets only the simulator endpoint past the empty MODBUS_ALLOWED_HOSTS', async () => {
    const point = { area: 'holding', address: 0, data_type: 'uint16', unit_id: 'X1', sensor_type: 'x' };
    const other = await backend.request('POST', '/api/v1/scada/modbus/devices', {
      name: 'elsewhere',
      host: '127.0.0.1',
      port: port === 65535 ? port - 1 : port + 1,
      points: [point],
    });
    expect(other.status).toBe(400);
    expect(JSON.stringify(other.body.message)).toContain('MODBUS_ALLOWED_HOSTS');
  });

  it('answers nothing while the simulator is stopped (BAD readings), and registers nothing twice after a restart', async () => {
    expect((await backend.request('POST', '/api/v1/scada/simulator/stop')).status).toBe(200);
    const stopped = Date.now();
    await storedLater('temperature', stopped, (r) => r.quality === 'BAD');
    const down = (await devices())[0].status;
    expect(down.connected).toBe(true);
    expect(down.errors.GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND).toBeGreaterThan(0);

    probe?.close();
    probe = undefined;
    await backend.stop();
    await backend.restart();
    await openDb();
    const restarted = Date.now();
    await eventually(async () => {
      const health = await backend.getJson('/health');
      expect(health.simulator_modbus_server).toMatchObject({ listening: true, devices: 2 });
    }, 20_000);
    expect((await devices()).map((d) => d.name)).toEqual(['simulator-UNIT001', 'simulator-UNIT002']);
    await storedLater('temperature', restarted, (r) => r.quality === 'GOOD');
    const { rows } = await db!.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'modbus_devices.declare'`,
    );
    expect(rows[0].n).toBe(1);
  });
});
