import type { Socket as NetSocket } from 'node:net';
import type { MqttClient } from 'mqtt';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectPublisher, connectSocket, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, type TestTarget } from '../support/target.js';

interface SlowClients {
  behind_now: number;
  held_readings: number;
  max_queued_packets: number;
  fell_behind: number;
  readings_coalesced: number;
  disconnected: number;
}
interface WebsocketHealth {
  instance_connected_clients: number;
  slow_clients: SlowClients;
}

const MAX_QUEUED = 16;
const TIMEOUT_MS = 3000;
/** Sensors per round: each round is one sensor_data of about 25 kB for every member of the room. */
const SENSORS = 200;
const sensorType = (i: number): string => `s${String(i).padStart(3, '0')}_${'x'.repeat(50)}`;

/** The TCP socket under a socket.io-client connection (websocket transport, the `ws` package in Node). */
function tcpOf(socket: Socket): NetSocket {
  const transport = socket.io.engine.transport as unknown as { ws?: { _socket?: NetSocket } };
  const tcp = transport.ws?._socket;
  if (!tcp) throw new Error('no TCP socket under the websocket transport');
  return tcp;
}

/**
 * One client stops reading its socket (its TCP socket is paused, as a frozen tab or a dead network would leave
 * it) while three others in the same room keep reading. The fast ones keep receiving every round; the server
 * holds no more than a bounded amount for the slow one and disconnects it once it has been behind too long.
 */
describe('Socket.IO slow client among fast ones (real backend, real Socket.IO clients)', () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  const sockets: Socket[] = [];

  const health = async (): Promise<WebsocketHealth> =>
    (await backend.getJson<{ websocket: WebsocketHealth }>('/health')).websocket;

  beforeAll(async () => {
    target = await createTarget('slow_client');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        WEBSOCKET_SLOW_CLIENT_MAX_QUEUED: String(MAX_QUEUED),
        WEBSOCKET_SLOW_CLIENT_TIMEOUT_MS: String(TIMEOUT_MS),
      },
    });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${target.topicPrefix}_pub` });
    await registerUnits(target.databaseUrl, ['SLOW1']);
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await publisher?.endAsync();
    await backend?.stop();
    await target?.dispose();
  });

  it('keeps the fast clients fed, bounds what it holds for the slow one, and disconnects it', async () => {
    const fast: { socket: Socket; lastRound: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const socket = await connectSocket(backend.url, backend.token);
      sockets.push(socket);
      const entry = { socket, lastRound: -1 };
      socket.on('sensor_data', (e: { readings: { sensor_type: string; value: number }[] }) => {
        for (const r of e.readings) if (r.sensor_type === sensorType(SENSORS - 1)) entry.lastRound = r.value;
      });
      expect(await request(socket, 'subscribe_unit', { unit_id: 'SLOW1' })).toMatchObject({ ok: true });
      fast.push(entry);
    }
    const slow = await connectSocket(backend.url, backend.token);
    sockets.push(slow);
    let slowReason: string | undefined;
    slow.on('disconnect', (reason: string) => (slowReason = reason));
    expect(await request(slow, 'subscribe_unit', { unit_id: 'SLOW1' })).toMatchObject({ ok: true });
    tcpOf(slow).pause();

    // Rounds of readings until the slow client's kernel buffers are full and the server sees it behind, then a
    // few more; every health sample on the way must show bounded server-side buffering.
    let round = 0;
    let behindAt: number | undefined;
    let maxQueued = 0;
    let maxHeld = 0;
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      const timestamp = new Date().toISOString();
      await Promise.all(
        Array.from({ length: SENSORS }, (_, i) =>
          publisher.publishAsync(
            `${target.topicPrefix}/SLOW1/${sensorType(i)}`,
            JSON.stringify({ value: round, timestamp }),
            { qos: 1 },
          ),
        ),
      );
      round++;
      if (round % 5 === 0) {
        const h = await health();
        maxQueued = Math.max(maxQueued, h.slow_clients.max_queued_packets);
        maxHeld = Math.max(maxHeld, h.slow_clients.held_readings);
        if (h.slow_clients.fell_behind > 0 && behindAt === undefined) behindAt = round;
        if (behindAt !== undefined && round >= behindAt + 10) break;
      }
      // Publish times must differ per round (one reading per sensor and instant).
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(behindAt).toBeDefined();
    const lastRound = round - 1;

    // The fast ones got the very last round, while the slow one sat there.
    await eventually(() => {
      for (const f of fast) expect(f.lastRound).toBe(lastRound);
    }, 20_000);
    for (const f of fast) expect(f.socket.connected).toBe(true);

    // Past the timeout the slow one is cut off; what was held for it is bounded by its sensors, and its queue by
    // four times the limit (the hard cap).
    const final = await eventually(async () => {
      const h = await health();
      expect(h.slow_clients.disconnected).toBe(1);
      return h;
    }, TIMEOUT_MS + 15_000);
    expect(final.slow_clients.readings_coalesced).toBeGreaterThan(0);
    expect(final.slow_clients.behind_now).toBe(0);
    expect(final.instance_connected_clients).toBe(3);
    expect(maxHeld).toBeLessThanOrEqual(SENSORS);
    expect(maxQueued).toBeLessThanOrEqual(4 * MAX_QUEUED);

    // Once it reads again, the slow client learns it was disconnected.
    tcpOf(slow).resume();
    await eventually(() => expect(slowReason).toBeDefined(), 10_000);
    for (const f of fast) expect((await request(f.socket, 'get_status')).ok).toBe(true);
  });
});
