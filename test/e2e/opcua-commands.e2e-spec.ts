import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectSocket, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { opcuaClientEnv, OpcuaServerProcess } from '../support/opcua-server.js';
import { freePort } from '../support/ports.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

interface Command {
  id: string;
  value: number;
  state: string;
  reason: string | null;
}

const UNIT = 'CTRL1';

/**
 * The `opcua` command channel against a real node-opcua server (test/support/opcua-control-server.main.ts): a
 * command to a point fed by a node mapping writes the node, inverse-scaled and in the node's data type (seen on the
 * server side), and is confirmed by its readback through the monitored item; a read-only node's status code comes
 * back as the rejection; no mapping or no connection is refused before anything is written.
 */
describe(`OPC UA commands end to end (${TARGET})`, () => {
  let pkiDir: string;
  let server: OpcuaServerProcess;
  let target: TestTarget;
  let backend: BackendProcess;
  let live: Socket;
  let keys: Record<'operator' | 'engineer', string>;
  const statuses: Command[] = [];
  const sensorIds = new Map<string, number>();
  const mappingIds = new Map<string, string>();

  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const declare = (sensorType: string, settings: Record<string, unknown>) =>
    backend.request<{ message?: string[] }>(
      'PUT',
      `/api/v1/scada/sensors/${sensorIds.get(sensorType)}/command-settings`,
      settings,
      as(keys.engineer),
    );
  const command = (sensorType: string, value: number) =>
    backend.request<Command & { message?: string }>(
      'POST',
      `/api/v1/scada/units/${UNIT}/sensors/${sensorType}/commands`,
      { value },
      as(keys.operator),
    );
  const outcome = (id: string, state: string) =>
    eventually(async () => {
      const reply = await backend.request<Command>('GET', `/api/v1/scada/commands/${id}`);
      expect(reply.body.state).toBe(state);
      return reply.body;
    }, 15_000);

  beforeAll(async () => {
    pkiDir = mkdtempSync(join(tmpdir(), 'tc-opcua-cmd-'));
    server = await OpcuaServerProcess.start(await freePort(), join(pkiDir, 'server'), 1, 'control');
    target = await createTarget('opcua_cmd');
    backend = await BackendProcess.start({
      env: { ...target.env, ...opcuaClientEnv(server.endpointUrl, pkiDir) },
    });
    await eventually(async () => {
      expect((await backend.request('GET', '/api/v1/scada/opcua/status')).body).toMatchObject({ connected: true });
    }, 30_000);
    // setpoint: Int16 in tenths of a degree; pump: Boolean; limit: read-only Double.
    for (const [sensorType, scale] of [
      ['setpoint', 0.1],
      ['pump', 1],
      ['limit', 1],
    ] as const) {
      const created = await backend.request<{ id: string }>('POST', '/api/v1/scada/opcua/subscribe', {
        node_id: `ns=1;s=${UNIT}.${sensorType}`,
        unit_id: UNIT,
        sensor_type: sensorType,
        scale_factor: scale,
        offset: 0,
        sampling_interval_ms: 100,
      });
      expect(created.status).toBe(201);
      mappingIds.set(sensorType, created.body.id);
    }
    // The nodes' initial values create the sensors.
    await eventually(async () => {
      const reply = await backend.request<{ items: { id: number; sensor_type: string }[] }>(
        'GET',
        `/api/v1/scada/units/${UNIT}/sensors`,
      );
      expect(reply.body.items).toHaveLength(3);
      for (const s of reply.body.items) sensorIds.set(s.sensor_type, s.id);
    }, 30_000);
    const byRole = await backend.keysByRole();
    keys = { operator: byRole.operator, engineer: byRole.engineer };
    await registerUnits(target.databaseUrl, [UNIT]);
    live = await connectSocket(backend.url, byRole.viewer);
    live.on('command_status', (status: Command) => statuses.push(status));
    expect(await request(live, 'subscribe_unit', { unit_id: UNIT })).toMatchObject({ ok: true });
  }, 120_000);

  afterAll(async () => {
    live?.disconnect();
    await backend?.stop();
    await server?.stop();
    await target?.dispose();
    if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
  });

  it('writes the node inverse-scaled in its type, and readback confirms the command', async () => {
    expect(
      await declare('setpoint', { channel: 'opcua', min: 20, max: 80, confirmation: 'both', readback_tolerance: 0.01 }),
    ).toMatchObject({ status: 200 });
    const issued = await command('setpoint', 55.5);
    expect(issued.status).toBe(202);
    const done = await outcome(issued.body.id, 'confirmed');
    expect(done.value).toBe(55.5);
    expect(await server.value(UNIT, 'setpoint')).toBe(555); // Int16 tenths, read on the server side
    await eventually(() =>
      expect(statuses.filter((s) => s.id === issued.body.id).map((s) => s.state)).toEqual([
        'pending',
        'sent',
        'confirmed',
      ]),
    );

    // A Boolean node takes 0/1 as false/true.
    expect(await declare('pump', { channel: 'opcua' })).toMatchObject({ status: 200 });
    const started = await command('pump', 1);
    expect(started.status).toBe(202);
    await outcome(started.body.id, 'confirmed');
    expect(await server.value(UNIT, 'pump')).toBe(true);
  });

  it("answers a write the server refuses with the status code's name, and never writes what the type cannot hold", async () => {
    expect(await declare('limit', { channel: 'opcua' })).toMatchObject({ status: 200 });
    const refused = await command('limit', 95);
    expect(refused.status).toBe(202);
    const rejected = await outcome(refused.body.id, 'rejected');
    expect(rejected.reason).toBe('BadNotWritable');
    expect(await server.value(UNIT, 'limit')).toBe(90);

    // 4000 °C is 40000 tenths: beyond Int16, so nothing is written.
    expect(await declare('setpoint', { channel: 'opcua', confirmation: 'ack' })).toMatchObject({ status: 200 });
    const tooBig = await command('setpoint', 4000);
    const failed = await outcome(tooBig.body.id, 'failed');
    expect(failed.reason).toBe("not written: 4000 (raw 40000) is outside the node's Int16 range (-32768 to 32767)");
    expect(await server.value(UNIT, 'setpoint')).toBe(555);
  });

  it('refuses the channel for a point without a mapping, and commands while not connected', async () => {
    const unmapped = await backend.request('DELETE', `/api/v1/scada/opcua/subscriptions/${mappingIds.get('pump')}`);
    expect(unmapped.status).toBe(200);
    const stale = await command('pump', 0);
    expect(stale.status).toBe(400);
    expect(stale.body.message).toContain(`channel 'opcua' needs an OPC UA node mapping that feeds ${UNIT}/pump`);
    const declared = await declare('pump', { channel: 'opcua' });
    expect(declared.status).toBe(400);
    expect(declared.body.message).toEqual([
      `channel 'opcua' needs an OPC UA node mapping that feeds ${UNIT}/pump (POST /api/v1/scada/opcua/subscribe)`,
    ]);

    expect((await backend.request('POST', '/api/v1/scada/opcua/disconnect')).status).toBeLessThan(300);
    const offline = await command('setpoint', 60);
    expect(offline.status).toBe(409);
    expect(offline.body.message).toBe('Cannot send: the backend is not connected to the OPC UA server (disconnected)');
    expect(await server.value(UNIT, 'setpoint')).toBe(555);
  });
});
