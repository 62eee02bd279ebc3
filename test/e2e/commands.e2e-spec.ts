import type { MqttClient } from 'mqtt';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectPublisher, connectSocket, createDevice, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

interface Command {
  id: string;
  unit_id: string;
  sensor_type: string;
  value: number;
  previous_value: number | null;
  state: string;
  reason: string | null;
}

interface SetMessage {
  sensorType: string;
  command_id: string;
  value: number;
  issued_at: string;
  expires_at: string;
}

/**
 * Supervisory control end to end, with a device this project did not write: an mqtt.js client scripted here (a
 * device credential on the embedded broker, where device auth is on) that obeys the MQTT command contract of
 * docs/commands.md. Its setpoint acks and reports the new value (readback), its pump rejects, its valve is silent.
 */
describe(`commands end to end (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let device: MqttClient;
  let live: Socket;
  let keys: Record<'viewer' | 'operator' | 'engineer', string>;
  let otherUnitOperator: string;
  const received: SetMessage[] = [];
  const statuses: Command[] = [];
  const sensorIds = new Map<string, number>();
  const p = (): string => target.topicPrefix;

  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const command = (sensorType: string, body: Record<string, unknown>, key = keys.operator, unit = 'CMD1') =>
    backend.request<Command & { message?: string | string[] }>(
      'POST',
      `/api/v1/scada/units/${unit}/sensors/${sensorType}/commands`,
      body,
      as(key),
    );
  const outcome = (id: string, state: string) =>
    eventually(async () => {
      const reply = await backend.request<Command>('GET', `/api/v1/scada/commands/${id}`, undefined, as(keys.operator));
      expect(reply.body.state).toBe(state);
      return reply.body;
    }, 15_000);

  beforeAll(async () => {
    target = await createTarget('commands', undefined, { anonymousMqtt: false });
    backend = await BackendProcess.start({ env: { ...target.env, COMMANDS_SELECT_WINDOW_S: '1' } });
    const login = await createDevice(backend, 'cmd-device', ['CMD1'], true);
    // The real Mosquitto of the services target is the lab's, without the project's ACL: the device connects as is.
    device = await connectPublisher(target.mqttHost, target.mqttPort, {
      clientId: `${p()}_device`,
      ...(TARGET === 'embedded' ? { username: login.username, password: login.password } : {}),
    });
    device.on('message', (topic, payload) => {
      const [, , sensorType] = topic.split('/').slice(-4);
      const message = { sensorType, ...(JSON.parse(payload.toString()) as Omit<SetMessage, 'sensorType'>) };
      received.push(message);
      // A device ignores a command that expired.
      if (Date.parse(message.expires_at) < Date.now()) return;
      const ack = (status: string, reason?: string) =>
        device.publish(
          `${p()}/CMD1/${sensorType}/set/ack`,
          JSON.stringify({ command_id: message.command_id, status, reason }),
          { qos: 1 },
        );
      if (sensorType === 'setpoint') {
        ack('accepted');
        device.publish(`${p()}/CMD1/setpoint`, JSON.stringify({ value: message.value }), { qos: 1 });
      } else if (sensorType === 'pump') {
        ack('rejected', 'interlock: discharge valve closed');
      }
    });
    await device.subscribeAsync(`${p()}/CMD1/+/set`, { qos: 1 });

    await registerUnits(target.databaseUrl, ['CMD2']);
    for (const [sensorType, value] of [
      ['setpoint', 50],
      ['pump', 0],
      ['valve', 10],
    ] as const) {
      await device.publishAsync(`${p()}/CMD1/${sensorType}`, JSON.stringify({ value }), { qos: 1 });
    }
    await eventually(async () => {
      const reply = await backend.request<{ items: { id: number; sensor_type: string; command: unknown }[] }>(
        'GET',
        '/api/v1/scada/units/CMD1/sensors',
      );
      expect(reply.body.items).toHaveLength(3);
      for (const s of reply.body.items) sensorIds.set(s.sensor_type, s.id);
    }, 20_000);

    const byRole = await backend.keysByRole();
    keys = { viewer: byRole.viewer, operator: byRole.operator, engineer: byRole.engineer };
    otherUnitOperator = await backend.createKey('operator', { name: 'cmd2-operator', units: ['CMD2'] });
    live = await connectSocket(backend.url, keys.viewer);
    live.on('command_status', (status: Command) => statuses.push(status));
    expect(await request(live, 'subscribe_unit', { unit_id: 'CMD1' })).toMatchObject({ ok: true });
  }, 120_000);

  afterAll(async () => {
    live?.disconnect();
    await device?.endAsync();
    await backend?.stop();
    await target?.dispose();
  });

  const declare = (sensorType: string, settings: Record<string, unknown>, key = keys.engineer) =>
    backend.request('PUT', `/api/v1/scada/sensors/${sensorIds.get(sensorType)}/command-settings`, settings, as(key));

  it('declares writable points (engineer only) and lists their settings with the sensors', async () => {
    expect((await declare('setpoint', { channel: 'mqtt', min: 20 }, keys.operator)).status).toBe(403);
    const refused = await declare('pump', { channel: 'mqtt', allowed_states: [1] });
    expect(refused.status).toBe(400);
    expect(
      await declare('setpoint', {
        channel: 'mqtt',
        min: 20,
        max: 80,
        max_step: 20,
        confirmation: 'both',
        readback_tolerance: 0.5,
        timeout_ms: 8000,
      }),
    ).toMatchObject({ status: 200 });
    await backend.request(
      'PATCH',
      `/api/v1/scada/sensors/${sensorIds.get('pump')}`,
      { kind: 'digital' },
      as(keys.engineer),
    );
    expect((await declare('pump', { channel: 'mqtt', select_before_operate: true, timeout_ms: 8000 })).status).toBe(
      200,
    );
    expect((await declare('valve', { channel: 'mqtt', timeout_ms: 1500 })).status).toBe(200);
    const sensors = await backend.request<{ items: { sensor_type: string; command: { max: number } | null }[] }>(
      'GET',
      '/api/v1/scada/units/CMD1/sensors',
    );
    expect(sensors.body.items.find((s) => s.sensor_type === 'setpoint')?.command).toMatchObject({
      max: 80,
      confirmation: 'both',
    });
  });

  it('sends a setpoint command that the device acks and reads back: confirmed, live and audited', async () => {
    const reply = await command('setpoint', { value: 60, comment: 'lower it' });
    expect(reply.status).toBe(202);
    expect(['sent', 'confirmed']).toContain(reply.body.state);
    expect(reply.body.previous_value).toBe(50);
    const done = await outcome(reply.body.id, 'confirmed');
    expect(done.value).toBe(60);
    const message = received.find((m) => m.command_id === reply.body.id)!;
    expect(message).toMatchObject({ sensorType: 'setpoint', value: 60 });
    expect(Date.parse(message.expires_at) - Date.parse(message.issued_at)).toBe(8000);
    await eventually(() =>
      expect(statuses.filter((s) => s.id === reply.body.id).map((s) => s.state)).toEqual([
        'pending',
        'sent',
        'confirmed',
      ]),
    );
    await eventually(async () => {
      const audit = await backend.request<{
        items: { action: string; result: string; old_value: unknown; new_value: unknown; actor: string }[];
      }>('GET', '/api/v1/scada/audit?action=commands.outcome');
      expect(audit.body.items[0]).toMatchObject({
        action: 'commands.outcome',
        result: 'ok',
        actor: 'test-operator',
        old_value: { value: 50 },
        new_value: { value: 60, state: 'confirmed' },
      });
      const issued = await backend.request<{ items: { status: number; new_value: { id: string } }[] }>(
        'GET',
        '/api/v1/scada/audit?action=commands.issue',
      );
      expect(issued.body.items.map((i) => i.new_value?.id)).toContain(reply.body.id);
    });
    const page = await backend.request<{ items: Command[] }>(
      'GET',
      '/api/v1/scada/commands?unit_id=CMD1',
      undefined,
      as(keys.viewer),
    );
    expect(page.body.items[0].id).toBe(reply.body.id);
  });

  it('refuses an out-of-limit value with 400 and publishes nothing', async () => {
    const high = await command('setpoint', { value: 95 });
    expect(high.status).toBe(400);
    expect(String(high.body.message)).toContain('above the point');
    const step = await command('setpoint', { value: 20 });
    expect(step.status).toBe(400);
    expect(String(step.body.message)).toContain('max_step');
    expect((await command('nothing', { value: 1 })).status).toBe(404);
    const ok = await command('setpoint', { value: 55 });
    expect(ok.status).toBe(202);
    await eventually(() => expect(received.some((m) => m.command_id === ok.body.id)).toBe(true));
    expect(received.some((m) => m.value === 95 || m.value === 20)).toBe(false);
    await outcome(ok.body.id, 'confirmed');
  });

  it('refuses a viewer and an operator of another unit with 403, also on the command object', async () => {
    expect((await command('setpoint', { value: 56 }, keys.viewer)).status).toBe(403);
    expect((await command('setpoint', { value: 56 }, otherUnitOperator)).status).toBe(403);
    const [first] = (await backend.request<{ items: Command[] }>('GET', '/api/v1/scada/commands?unit_id=CMD1')).body
      .items;
    expect(
      (await backend.request('GET', `/api/v1/scada/commands/${first.id}`, undefined, as(otherUnitOperator))).status,
    ).toBe(403);
    const scoped = await backend.request<{ items: Command[] }>(
      'GET',
      '/api/v1/scada/commands',
      undefined,
      as(otherUnitOperator),
    );
    expect(scoped.body.items).toEqual([]);
  });

  it('requires a fresh selection for a select-before-operate point; a rejecting device gives rejected', async () => {
    const without = await command('pump', { value: true });
    expect(without.status).toBe(409);
    expect(String(without.body.message)).toContain('select-before-operate');
    const select = () =>
      backend.request<{ selection_id: string; expires_at: string }>(
        'POST',
        '/api/v1/scada/units/CMD1/sensors/pump/commands/select',
        { value: 'ON' },
        as(keys.operator),
      );
    const stale = (await select()).body;
    await eventually(() => expect(Date.now()).toBeGreaterThan(Date.parse(stale.expires_at)), 5000);
    const late = await command('pump', { value: true, selection_id: stale.selection_id });
    expect(late.status).toBe(409);
    expect(String(late.body.message)).toContain('expired');

    const fresh = (await select()).body;
    const operate = await command('pump', { value: true, selection_id: fresh.selection_id });
    expect(operate.status).toBe(202);
    expect(operate.body.value).toBe(1);
    const rejected = await outcome(operate.body.id, 'rejected');
    expect(rejected.reason).toBe('interlock: discharge valve closed');
    const reused = await command('pump', { value: true, selection_id: fresh.selection_id });
    expect(reused.status).toBe(409);
  });

  it('times a silent device out, with one command in flight per point meanwhile', async () => {
    const first = await command('valve', { value: 30 });
    expect(first.status).toBe(202);
    const second = await command('valve', { value: 31 });
    expect(second.status).toBe(409);
    expect(String(second.body.message)).toContain('in flight');
    const timedOut = await outcome(first.body.id, 'timed_out');
    expect(timedOut.reason).toContain('no acknowledgement');
    await eventually(() => expect(statuses.some((s) => s.id === first.body.id && s.state === 'timed_out')).toBe(true));
  });

  it('refuses commands to an offline unit, counts hostile acks, and never stores command topics as readings', async () => {
    await device.publishAsync(`${p()}/CMD1/valve/set/ack`, 'not json', { qos: 1 });
    await device.publishAsync(
      `${p()}/CMD1/valve/set/ack`,
      JSON.stringify({ command_id: '0f8e2a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b', status: 'accepted' }),
      { qos: 1 },
    );
    await eventually(async () => {
      const metrics = (await backend.request('GET', '/metrics')).text;
      expect(metrics).toContain('scada_commands_mqtt_acks_refused_total{reason="malformed"} 1');
      expect(metrics).toContain('scada_commands_mqtt_acks_refused_total{reason="unknown_command"} 1');
      expect(metrics).toMatch(/scada_commands_total\{channel="mqtt",outcome="confirmed"\} 2/);
      expect(metrics).toMatch(/scada_commands_confirm_latency_seconds_count 2/);
    });
    const sensors = await backend.request<{ items: { sensor_type: string }[] }>(
      'GET',
      '/api/v1/scada/units/CMD1/sensors',
    );
    expect(sensors.body.items.map((s) => s.sensor_type).sort()).toEqual(['pump', 'setpoint', 'valve']);

    await device.publishAsync(`${p()}/CMD1/status`, JSON.stringify({ status: 'offline' }), { qos: 1 });
    await eventually(async () => {
      const refused = await command('setpoint', { value: 56 });
      expect(refused.status).toBe(409);
      expect(String(refused.body.message)).toContain('offline');
    });
  });
});
