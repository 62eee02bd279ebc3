import type { MqttClient } from 'mqtt';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectPublisher, connectSocket, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, type TestTarget } from '../support/target.js';

interface Refusal {
  ok: false;
  error: string;
}

/** The parts of /health `websocket` these tests read. */
interface WebsocketHealth {
  connected_clients: number;
  events: { client_events_rejected: Record<string, number> };
  disconnects_by_reason: Record<string, number>;
  flood_disconnects: number;
}

const MAX_MESSAGE_BYTES = 4096;
const RATE = 20;
const BURST = 40;
const MAX_ROOMS = 30;

/**
 * Client events that are wrong in every way a client (or an attacker) can make them: each gets an error
 * acknowledgement or is dropped and counted, and neither the connection (except for an oversized message, which
 * closes it) nor the server nor the other clients notice.
 */
describe('Socket.IO hostile client events (real backend, real Socket.IO clients)', () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  const sockets: Socket[] = [];
  /** A bystander: connected and subscribed all along, it must keep getting readings. */
  let bystander: Socket;
  const bystanderSeen: number[] = [];

  const health = async (): Promise<WebsocketHealth> =>
    (await backend.getJson<{ websocket: WebsocketHealth }>('/health')).websocket;

  async function socket(): Promise<Socket> {
    const s = await connectSocket(backend.url, backend.token);
    sockets.push(s);
    return s;
  }

  beforeAll(async () => {
    target = await createTarget('socket_hostile');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        WEBSOCKET_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
        WEBSOCKET_RATE_LIMIT_PER_S: String(RATE),
        WEBSOCKET_RATE_LIMIT_BURST: String(BURST),
        WEBSOCKET_MAX_ROOMS_PER_CLIENT: String(MAX_ROOMS),
      },
    });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${target.topicPrefix}_pub` });
    await registerUnits(target.databaseUrl, ['HOST1']);
    bystander = await socket();
    bystander.on('sensor_data', (e: { unit_id: string; readings: { value: number }[] }) => {
      if (e.unit_id === 'HOST1') bystanderSeen.push(...e.readings.map((r) => r.value));
    });
    expect(await request(bystander, 'subscribe_unit', { unit_id: 'HOST1' })).toMatchObject({ ok: true });
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await publisher?.endAsync();
    await backend?.stop();
    await target?.dispose();
  });

  it.each([
    ['no payload', undefined],
    ['null', null],
    ['a number', 42],
    ['a bare string', 'HOST1'],
    ['an array', ['HOST1']],
    ['a missing field', {}],
    ['a misspelt field', { unitId: 'HOST1' }],
    ['an extra field', { unit_id: 'HOST1', role: 'admin' }],
    ['a numeric id', { unit_id: 7 }],
    ['an object id', { unit_id: { $gt: '' } }],
    ['a path', { unit_id: '../../etc/passwd' }],
    ['an id of 65 characters', { unit_id: 'U'.repeat(65) }],
    ['a list that is a string', { unit_ids: 'HOST1' }],
    ['an empty list', { unit_ids: [] }],
    ['a list of 101 ids', { unit_ids: Array.from({ length: 101 }, (_, i) => `U${i}`) }],
    ['a binary id', { unit_id: Buffer.from('HOST1') }],
  ])('answers subscribe_unit with %s by an error acknowledgement', async (_name, payload) => {
    const s = await socket();
    const answer = await request<Refusal>(s, 'subscribe_unit', payload);
    expect(answer).toEqual({ ok: false, error: expect.any(String) });
    expect((await request(s, 'get_status')).subscribed_units).toEqual([]);
    expect(s.connected).toBe(true);
  });

  it(`refuses a subscribe past ${MAX_ROOMS} rooms per connection whole, counts it, and keeps what was joined`, async () => {
    const s = await socket();
    const before = (await health()).events.client_events_rejected.room_limit;
    const first = Array.from({ length: MAX_ROOMS - 1 }, (_, i) => `ROOM${i}`);
    expect(await request(s, 'subscribe_unit', { unit_ids: first })).toMatchObject({ ok: true, known: false });
    expect(await request(s, 'subscribe_unit', { unit_ids: ['ROOMX', 'ROOMY'] })).toEqual({
      ok: false,
      error: `Room limit: a connection may watch at most ${MAX_ROOMS} units; this one watches ${MAX_ROOMS - 1} and asked for 2 more (unsubscribe_unit first, or open another connection)`,
    });
    expect((await request(s, 'get_status')).subscribed_units).toHaveLength(MAX_ROOMS - 1);
    // Rooms already joined do not count twice; the last free one can still be taken.
    expect(await request(s, 'subscribe_unit', { unit_ids: ['ROOM0', 'ROOMX'] })).toMatchObject({ ok: true });
    expect(await request(s, 'subscribe_unit', { unit_id: 'ROOMY' })).toMatchObject({ ok: false });
    expect((await request(s, 'get_status')).subscribed_units).toHaveLength(MAX_ROOMS);
    expect((await health()).events.client_events_rejected.room_limit).toBe(before + 2);
    // After leaving one, a new unit fits again.
    expect(await request(s, 'unsubscribe_unit', { unit_id: 'ROOM1' })).toMatchObject({ ok: true });
    expect(await request(s, 'subscribe_unit', { unit_id: 'ROOMY' })).toMatchObject({ ok: true });
    expect(s.connected).toBe(true);
  });

  it('answers unknown events with an acknowledgement by an error, drops those without one, and counts both', async () => {
    const s = await socket();
    const before = (await health()).events.client_events_rejected.unknown_event;
    expect(await request(s, 'delete_everything', { unit_id: 'HOST1' })).toEqual({
      ok: false,
      error: "Unknown event 'delete_everything'",
    });
    s.emit('not_an_event', 1);
    // "error" is not reserved on the wire; a server socket without a listener for it would throw.
    s.emit('error', new Error('boom'));
    s.emit('subscribe_unit', { unit_id: 5 }); // a known event with a bad payload and no acknowledgement
    await eventually(async () => expect((await health()).events.client_events_rejected.unknown_event).toBe(before + 3));
    expect((await request(s, 'get_status')).ok).toBe(true);
  });

  it(`closes a connection that sends more than ${MAX_MESSAGE_BYTES} bytes, counts it, and the others carry on`, async () => {
    const s = await socket();
    const before = await health();
    const closed = new Promise<string>((resolve) => s.once('disconnect', resolve));
    s.emit('subscribe_unit', { unit_id: 'X'.repeat(MAX_MESSAGE_BYTES * 2) });
    expect(await closed).toBe('transport close');
    await eventually(async () => {
      const after = await health();
      expect(after.disconnects_by_reason['transport error'] ?? 0).toBe(
        (before.disconnects_by_reason['transport error'] ?? 0) + 1,
      );
    });
    expect(bystander.connected).toBe(true);
    expect((await request(bystander, 'get_status')).ok).toBe(true);
  });

  it('refuses events past the rate limit with an error acknowledgement, counts them, and keeps the connection', async () => {
    const s = await socket();
    const before = (await health()).events.client_events_rejected.rate_limited;
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => request<{ ok: boolean; error?: string }>(s, 'get_status')),
    );
    const refused = answers.filter((a) => !a.ok);
    // The burst passes, plus whatever the bucket refilled while the 200 went out.
    expect(answers.length - refused.length).toBeGreaterThanOrEqual(BURST);
    expect(answers.length - refused.length).toBeLessThan(BURST + 20);
    expect(refused[0].error).toBe(`Rate limit: at most ${RATE} events/s (burst ${BURST})`);
    expect((await health()).events.client_events_rejected.rate_limited).toBe(before + refused.length);
    expect(s.connected).toBe(true);
    // Refilled after a pause.
    await eventually(async () => expect((await request(s, 'get_status')).ok).toBe(true), 5000, 200);
  });

  it('disconnects a connection that keeps flooding far past the limit', async () => {
    const s = await socket();
    let reason: string | undefined;
    s.once('disconnect', (r: string) => (reason = r));
    for (let i = 0; i < BURST * 20; i++) s.emit('get_status');
    await eventually(() => expect(reason).toBe('io server disconnect'), 20_000);
    expect((await health()).flood_disconnects).toBeGreaterThanOrEqual(1);
  });

  it('survives it all: the bystander still gets readings and a new client subscribes', async () => {
    await publisher.publishAsync(`${target.topicPrefix}/HOST1/temperature`, '42.5', { qos: 1 });
    await eventually(() => expect(bystanderSeen).toContain(42.5));
    expect((await backend.request('GET', '/health/live')).status).toBe(200);
    const s = await socket();
    expect(await request(s, 'subscribe_unit', { unit_ids: ['HOST1'] })).toMatchObject({
      ok: true,
      unit_ids: ['HOST1'],
      latest: [{ unit_id: 'HOST1', readings: [expect.objectContaining({ sensor_type: 'temperature', value: 42.5 })] }],
    });
  });
});
