import type { MqttClient } from 'mqtt';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectPublisher, connectSocket, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, type TestTarget } from '../support/target.js';

/**
 * Connection-state recovery (single instance, in-memory adapter): a client whose connection drops for a moment
 * gets, on reconnecting, the readings published meanwhile, and keeps its rooms, even when it was the only member
 * of its unit's room.
 */
describe('Socket.IO connection-state recovery (real backend, real Socket.IO client)', () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let socket: Socket | undefined;

  beforeAll(async () => {
    target = await createTarget('socket_recovery');
    backend = await BackendProcess.start({ env: { ...target.env, WEBSOCKET_RECOVERY_WINDOW_MS: '30000' } });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${target.topicPrefix}_pub` });
    await registerUnits(target.databaseUrl, ['REC1']);
  });

  afterAll(async () => {
    socket?.disconnect();
    await publisher?.endAsync();
    await backend?.stop();
    await target?.dispose();
  });

  it('replays what was published while the connection was down, and keeps the room', async () => {
    const s = await connectSocket(backend.url, backend.token);
    socket = s;
    const values: number[] = [];
    s.on('sensor_data', (e: { unit_id: string; readings: { value: number }[] }) => {
      if (e.unit_id === 'REC1') values.push(...e.readings.map((r) => r.value));
    });
    expect(await request(s, 'subscribe_unit', { unit_id: 'REC1' })).toMatchObject({ ok: true });
    await publisher.publishAsync(`${target.topicPrefix}/REC1/temperature`, '1', { qos: 1 });
    await eventually(() => expect(values).toEqual([1]));

    // Drop the connection under the client, as a network blip would; it reconnects by itself after 3 s.
    s.io.reconnection(true);
    s.io.reconnectionDelay(3000);
    s.io.randomizationFactor(0);
    const reconnected = new Promise<void>((resolve) => s.io.once('reconnect', () => resolve()));
    const dropped = new Promise<void>((resolve) => s.once('disconnect', () => resolve()));
    const broadcasts = async (): Promise<number> =>
      (await backend.getJson<{ websocket: { events: { sensor_data_broadcasts: number } } }>('/health')).websocket.events
        .sensor_data_broadcasts;
    const before = await broadcasts();
    s.io.engine.close();
    await dropped;
    // The server has seen it go too: the room is empty now.
    await eventually(async () =>
      expect(
        (await backend.getJson<{ websocket: { instance_connected_clients: number } }>('/health')).websocket
          .instance_connected_clients,
      ).toBe(0),
    );
    await publisher.publishAsync(`${target.topicPrefix}/REC1/temperature`, '2', { qos: 1 });
    await publisher.publishAsync(`${target.topicPrefix}/REC1/temperature`, '3', { qos: 1 });
    // Sent while nobody was in the room: the server still broadcast them, for the session that may come back.
    await eventually(async () => expect(await broadcasts()).toBeGreaterThanOrEqual(before + 1), 2500);
    expect(s.connected).toBe(false);
    await reconnected;

    await eventually(() => expect(values.filter((v) => v !== 1).slice(0, 2)).toEqual([2, 3]));
    expect(s.recovered).toBe(true);
    expect((await request(s, 'get_status')).subscribed_units).toEqual(['REC1']);
    const health = await backend.getJson<{ websocket: { recovered_connections: number } }>('/health');
    expect(health.websocket.recovered_connections).toBe(1);
  });
});
