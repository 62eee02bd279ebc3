import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { EmbeddedBroker } from '../../src/common/embedded/embedded-broker.js';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher, connectSocket, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { MOSQUITTO, MosquittoProcess } from '../support/mosquitto.js';
import { describeWith, itWith } from '../support/prerequisites.js';
import { freePort } from '../support/ports.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';
import { createTestPki, OPENSSL, type TestPki } from '../support/tls.js';

/** GET /api/v1/scada/mqtt/status, as far as these tests read it. */
interface MqttStatus {
  state: 'connected' | 'connecting' | 'disconnected';
  connected: boolean;
  broker_host: string;
  broker_port: number;
  client_id: string;
  username?: string;
  protocol: string;
  protocol_version: number;
  subscribed_topics: string[];
  subscriptions: { filter: string; qos: number; configured: boolean; active: boolean; reading_topics: boolean }[];
  reconnects: number;
  reconnect_delay_ms?: number;
  pending_acks: number;
  last_error?: string;
  messages: { received: number; accepted: number; rejected: number; rejected_by_reason: Record<string, number> };
}

interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
}

/** Never sent anywhere but in configuration and a request body: it must never come back out. */
const TEST_PASSWORD = 'pw-3f9c1e7d-never-echo';

/**
 * The management API end to end: the backend's connection to its own Mosquitto is driven over REST (connect,
 * disconnect, subscribe, unsubscribe, publish), unit status messages update the unit and reach its room, and
 * every refusal is a clear 4xx or a 409/503 that says why.
 */
describeWith([MOSQUITTO], `MQTT management API with a real Mosquitto (${TARGET})`, () => {
  let broker: MosquittoProcess;
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client | undefined;
  let p: string;
  let pki: TestPki | undefined;
  const sockets: Socket[] = [];

  async function api<T = any>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply<T>> {
    const reply = await backend.request<T>(method, `/api/v1/scada/mqtt${path}`, body);
    return { status: reply.status, body: reply.body, text: reply.text };
  }

  async function status(): Promise<MqttStatus> {
    const reply = await api<MqttStatus>('GET', '/status');
    expect(reply.status).toBe(200);
    return reply.body;
  }

  async function openDb(): Promise<pg.Client> {
    await db?.end().catch(() => undefined);
    const client = await connectDb(target.databaseUrl);
    client.on('error', () => undefined);
    db = client;
    return client;
  }

  /** Parameterless SQL (see delivery.e2e-spec.ts: the embedded database shares one session). */
  async function sql<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
    return (await db!.query<R>(text)).rows;
  }

  async function unitRow(unitId: string): Promise<{ status: string; status_time: string | null } | undefined> {
    const [row] = await sql<{ status: string; status_time: string | null }>(
      `SELECT status, to_char(status_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS status_time
       FROM units WHERE id = '${unitId}'`,
    );
    return row;
  }

  async function storedValues(unitId: string, sensorType: string): Promise<number[]> {
    const rows = await sql<{ value: number }>(
      `SELECT r.value FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
       WHERE s.unit_id = '${unitId}' AND s.sensor_type = '${sensorType}' ORDER BY r.time`,
    );
    return rows.map((r) => r.value);
  }

  async function ready(): Promise<number> {
    return (await fetch(`${backend.url}/health/ready`)).status;
  }

  async function socketIn(unitId: string): Promise<Socket> {
    const s = await connectSocket(backend.url, backend.token);
    sockets.push(s);
    // The gateway refuses units it has never seen; this one may not have reported yet.
    await registerUnits(target.databaseUrl, [unitId]);
    expect(await request(s, 'subscribe_unit', { unit_id: unitId })).toMatchObject({ ok: true, unit_id: unitId });
    return s;
  }

  beforeAll(async () => {
    broker = await MosquittoProcess.start();
    target = await createTarget('mqtt_mgmt', broker.port);
    p = target.topicPrefix;
    pki = OPENSSL.met ? createTestPki() : undefined;
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        // Used only by a connect with `tls: true`; the configured broker is plain MQTT.
        ...(pki
          ? { MQTT_TLS_CA_FILE: pki.ca, MQTT_TLS_CERT_FILE: pki.clientCert, MQTT_TLS_KEY_FILE: pki.clientKey }
          : {}),
        MQTT_USERNAME: 'scada',
        MQTT_PASSWORD: TEST_PASSWORD,
        MQTT_RECONNECT_MIN_MS: '200',
        MQTT_RECONNECT_MAX_MS: '2000',
      },
    });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, {
      clientId: `${p}_pub`,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    await openDb();
    await eventually(async () => expect((await status()).subscribed_topics).toEqual([`${p}/#`]));
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await publisher?.endAsync(true);
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await broker?.stop();
    await target?.dispose();
    pki?.remove();
  });

  it('reports the connection: broker, client id, MQTT 5, the configured subscription, counters, no password', async () => {
    const s = await status();
    expect(s).toMatchObject({
      state: 'connected',
      connected: true,
      broker_host: '127.0.0.1',
      broker_port: broker.port,
      client_id: target.env.MQTT_CLIENT_ID,
      username: 'scada',
      protocol: 'MQTT 5',
      protocol_version: 5,
      subscribed_topics: [`${p}/#`],
      subscriptions: [{ filter: `${p}/#`, qos: 1, configured: true, active: true, reading_topics: true }],
      reconnects: 0,
      messages: { received: 0, accepted: 0, rejected: 0, rejected_by_reason: {} },
    });
    const health = await backend.getJson('/health');
    expect(health.mqtt).toMatchObject({ connected: true, state: 'connected', subscribed_topics: [`${p}/#`] });
    for (const path of ['/api/v1/scada/mqtt/status', '/api/v1/scada/status', '/health', '/api/docs-json']) {
      expect((await backend.request('GET', path)).text).not.toContain(TEST_PASSWORD);
    }
    const docs = await backend.getJson('/api/docs-json');
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining(
        ['status', 'connect', 'disconnect', 'subscribe', 'unsubscribe', 'publish'].map(
          (a) => `/api/v1/scada/mqtt/${a}`,
        ),
      ),
    );
  });

  it('publishes a test reading that comes back through the subscription and is stored', async () => {
    const timestamp = new Date(Date.now() - 5000).toISOString();
    const reply = await api('POST', '/publish', {
      topic: `${p}/MGMT01/temperature`,
      payload: JSON.stringify({ value: 71.25, timestamp }),
      qos: 1,
    });
    expect(reply).toMatchObject({
      status: 200,
      body: { topic: `${p}/MGMT01/temperature`, qos: 1, retain: false, bytes: expect.any(Number) },
    });
    // The payload itself is not echoed.
    expect(reply.text).not.toContain('71.25');
    await eventually(async () => expect(await storedValues('MGMT01', 'temperature')).toEqual([71.25]));
    expect((await status()).messages).toMatchObject({ received: 1, accepted: 1, rejected: 0 });
  });

  it('refuses bad publish requests with a 4xx that says why', async () => {
    const cases: [unknown, number, string][] = [
      [{ topic: `${p}/+/temperature`, payload: '1' }, 400, "must not contain the wildcards '+' or '#'"],
      [{ topic: `${p}/#`, payload: '1' }, 400, 'wildcards'],
      [{ topic: '$SYS/broker/uptime', payload: '1' }, 400, 'reserved for the broker'],
      [{ topic: '', payload: '1' }, 400, 'must not be empty'],
      [{ topic: `${p}/${'x'.repeat(300)}`, payload: '1' }, 400, 'at most 256 bytes'],
      [{ topic: `${p}/U/t`, payload: 1 }, 400, 'payload must be a string'],
      [{ topic: `${p}/U/t`, payload: '1', qos: 3 }, 400, 'qos'],
      [{ topic: `${p}/U/t`, payload: '1', retain: 'yes' }, 400, 'retain must be a boolean'],
      [{ topic: `${p}/U/t`, payload: '1', password: TEST_PASSWORD }, 400, 'property password should not exist'],
      [{ topic: `${p}/U/t`, payload: 'x'.repeat(16 * 1024 + 1) }, 413, 'at most 16384'],
      [{ topic: `${p}/U/t`, payload: 'é'.repeat(9000) }, 413, '18000 bytes'],
      ['{"topic": ', 400, ''],
    ];
    for (const [body, code, message] of cases) {
      const reply = await api('POST', '/publish', body);
      expect({ body, status: reply.status }).toEqual({ body, status: code });
      expect(reply.text).toContain(message);
      expect(reply.text).not.toContain(TEST_PASSWORD);
    }
  });

  it('applies unit status messages, newest report wins, and broadcasts them to the unit room', async () => {
    const t1 = new Date(Date.now() - 60_000).toISOString();

    // JSON with a timestamp, through the publisher: creates the unit.
    expect(await unitRow('MGMT02')).toBeUndefined();
    await publisher.publishAsync(`${p}/MGMT02/status`, JSON.stringify({ status: 'maintenance', timestamp: t1 }), {
      qos: 1,
    });
    await eventually(async () => expect(await unitRow('MGMT02')).toEqual({ status: 'maintenance', status_time: t1 }));

    // Now that the unit exists, an HMI can join its room (the gateway refuses units it has never seen).
    const watcher = await socketIn('MGMT02');
    const events: { unit_id: string; status: string; timestamp: string }[] = [];
    watcher.on('unit_status', (e: (typeof events)[number]) => events.push(e));

    // A bare word, through the REST publish: stamped on arrival, so newer.
    expect((await api('POST', '/publish', { topic: `${p}/MGMT02/status`, payload: 'ONLINE' })).status).toBe(200);
    await eventually(async () => expect((await unitRow('MGMT02'))?.status).toBe('online'));
    await eventually(() => expect(events.map((e) => e.status)).toEqual(['online']));
    expect(events[0].unit_id).toBe('MGMT02');
    expect(Date.parse(events[0].timestamp)).toBeGreaterThan(Date.parse(t1));

    // A late report (older than what the unit has) changes nothing and is not broadcast; nor do invalid ones.
    const before = await backend.getJson('/api/v1/scada/status');
    for (const payload of [
      JSON.stringify({ status: 'offline', timestamp: t1 }),
      'running',
      '{"status": 3}',
      '{"state": "offline"}',
      '{"status": "offline", "timestamp": "yesterday"}',
      '["offline"]',
    ]) {
      await publisher.publishAsync(`${p}/MGMT02/status`, payload, { qos: 1 });
    }
    // A marker reading after them: once it is stored, every status before it has been through the pipeline.
    await publisher.publishAsync(`${p}/MGMT02/marker`, '1', { qos: 1 });
    await eventually(async () => expect(await storedValues('MGMT02', 'marker')).toEqual([1]));
    // The writer applies a write's statuses just after its readings: the counters may follow a moment later.
    await eventually(async () => {
      const after = await backend.getJson('/api/v1/scada/status');
      const delta = (key: string): number =>
        (after.pipeline.rejected_by_reason[key] ?? 0) - (before.pipeline.rejected_by_reason[key] ?? 0);
      expect({
        status_unknown: delta('status_unknown'),
        status_missing: delta('status_missing'),
        timestamp_invalid: delta('timestamp_invalid'),
        payload_not_object: delta('payload_not_object'),
        superseded: after.pipeline.unit_status.superseded - before.pipeline.unit_status.superseded,
      }).toEqual({ status_unknown: 2, status_missing: 1, timestamp_invalid: 1, payload_not_object: 1, superseded: 1 });
      expect(after.pipeline.unit_status).toMatchObject({ received: 8, accepted: 3, applied: 2 });
    });
    expect((await unitRow('MGMT02'))?.status).toBe('online');
    expect(events).toHaveLength(1);
    // Every one of them was acknowledged with its batch.
    await eventually(async () => expect((await status()).pending_acks).toBe(0));
  });

  it('subscribes a filter outside the reading topics: its messages are counted as topic_invalid, never stored', async () => {
    const side = `${p}_side/#`;
    const reply = await api<MqttStatus>('POST', '/subscribe', { topics: [side] });
    expect(reply.status).toBe(200);
    expect(reply.body.subscribed_topics).toEqual([`${p}/#`, side]);
    expect(reply.body.subscriptions).toContainEqual({
      filter: side,
      qos: 1,
      configured: false,
      active: true,
      reading_topics: false,
    });
    // Subscribing again is harmless.
    expect((await api('POST', '/subscribe', { topics: [side], qos: 1 })).status).toBe(200);

    const before = (await status()).messages;
    await publisher.publishAsync(`${p}_side/gateway7/diag`, 'hello', { qos: 1 });
    await eventually(async () =>
      expect((await status()).messages).toMatchObject({
        received: before.received + 1,
        rejected_by_reason: {
          ...before.rejected_by_reason,
          topic_invalid: (before.rejected_by_reason.topic_invalid ?? 0) + 1,
        },
      }),
    );
  });

  it('refuses invalid and overlapping filters with a 4xx that says why', async () => {
    const cases: [unknown, number, string][] = [
      [{ topics: ['a/#/b'] }, 400, "'#' must be a whole level and the last one"],
      [{ topics: ['a/b#'] }, 400, "'#' must be a whole level"],
      [{ topics: ['a/b+/c'] }, 400, "'+' must be a whole level"],
      [{ topics: [''] }, 400, 'must not be empty'],
      [{ topics: ['ok/#', 'x'.repeat(257)] }, 400, 'at most 256 bytes'],
      [{ topics: ['$share//x/#'] }, 400, 'a shared subscription is'],
      [{ topics: ['bad\u0000level'] }, 400, 'control characters'],
      [{ topics: [] }, 400, 'topics must contain at least 1 elements'],
      [{ topics: 'a/#' }, 400, 'topics must be an array'],
      [{ topics: [7] }, 400, 'topics must be a string'],
      [{}, 400, 'topics must be an array'],
      [{ topics: ['q2/#'], qos: 2 }, 400, 'qos must be 0 or 1'],
      [{ topics: ['x/#'], retain: true }, 400, 'property retain should not exist'],
      [{ topics: [`${p}/UNIT9/+`] }, 409, `overlaps the subscription '${p}/#'`],
      [{ topics: ['#'] }, 409, 'overlaps'],
      [{ topics: [`+/MGMT01/temperature`] }, 409, 'overlaps'],
      [{ topics: [`${p}_side/gateway7/+`] }, 409, `overlaps the subscription '${p}_side/#'`],
      [{ topics: ['other_a/+/x', 'other_a/y/+'] }, 409, "'other_a/y/+' overlaps the subscription 'other_a/+/x'"],
      [{ topics: [`${p}/#`] }, 409, 'is the configured subscription'],
    ];
    for (const [body, code, message] of cases) {
      const reply = await api('POST', '/subscribe', body);
      expect({ body, status: reply.status }).toEqual({ body, status: code });
      expect(reply.text).toContain(message);
    }
    // None of them left a trace.
    expect((await status()).subscribed_topics).toEqual([`${p}/#`, `${p}_side/#`]);
  });

  it('keeps dynamic subscriptions across a broker restart, and reconnects with backoff by itself', async () => {
    const before = await status();
    await broker.pause();
    await eventually(async () => expect(await ready()).toBe(503), 15_000, 100);
    const down = await eventually(async () => {
      const s = await status();
      expect(s).toMatchObject({ state: 'connecting', connected: false, subscribed_topics: [] });
      expect(s.reconnects).toBeGreaterThan(before.reconnects);
      expect(s.reconnect_delay_ms).toBeGreaterThan(0);
      return s;
    });
    expect(down.last_error).toBeDefined();
    expect((await backend.getJson('/health')).mqtt).toMatchObject({ connected: false, state: 'connecting' });
    expect((await fetch(`${backend.url}/health/live`)).status).toBe(200);
    expect((await api('POST', '/publish', { topic: `${p}/U/t`, payload: '1' })).status).toBe(503);
    await broker.resume();

    await eventually(async () => expect(await ready()).toBe(200), 30_000, 100);
    await eventually(async () => expect((await status()).subscribed_topics).toEqual([`${p}/#`, `${p}_side/#`]));
    const received = (await status()).messages.received;
    await publisher.publishAsync(`${p}_side/gateway7/diag`, 'again', { qos: 1 });
    await eventually(async () => expect((await status()).messages.received).toBe(received + 1));
  });

  it('keeps dynamic subscriptions across a backend restart', async () => {
    await backend.stop();
    await backend.restart();
    await openDb();
    await eventually(async () => expect((await status()).subscribed_topics).toEqual([`${p}/#`, `${p}_side/#`]));
    await publisher.publishAsync(`${p}_side/gateway7/diag`, 'after restart', { qos: 1 });
    await eventually(async () => expect((await status()).messages.rejected_by_reason).toEqual({ topic_invalid: 1 }));
  });

  it('unsubscribes a dynamic filter, and refuses to remove unknown or configured ones', async () => {
    expect(await api('POST', '/unsubscribe', { topics: ['never/subscribed/#'] })).toMatchObject({
      status: 404,
      body: { message: "Not subscribed to 'never/subscribed/#'" },
    });
    expect((await api('POST', '/unsubscribe', { topics: [`${p}/#`] })).status).toBe(409);
    expect((await api('POST', '/unsubscribe', { topics: ['a/#/b'] })).status).toBe(400);
    expect((await api('POST', '/unsubscribe', { topics: ['x/#'], qos: 1 })).status).toBe(400);

    const reply = await api<MqttStatus>('POST', '/unsubscribe', { topics: [`${p}_side/#`] });
    expect(reply.status).toBe(200);
    expect(reply.body.subscribed_topics).toEqual([`${p}/#`]);
    expect(reply.body.subscriptions.map((s) => s.filter)).toEqual([`${p}/#`]);

    // Gone from the session: a message there is not delivered; the reading after it is.
    const received = (await status()).messages.received;
    await publisher.publishAsync(`${p}_side/gateway7/diag`, 'unheard', { qos: 1 });
    await publisher.publishAsync(`${p}/MGMT03/temperature`, '3', { qos: 1 });
    await eventually(async () => expect(await storedValues('MGMT03', 'temperature')).toEqual([3]));
    expect((await status()).messages.received).toBe(received + 1);
  });

  it('disconnects on request: not ready, still alive, the broker queues readings until connect', async () => {
    const reply = await api<MqttStatus>('POST', '/disconnect');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ state: 'disconnected', connected: false, subscribed_topics: [] });
    expect(await ready()).toBe(503);
    expect((await fetch(`${backend.url}/health/live`)).status).toBe(200);
    expect((await backend.getJson('/health')).mqtt).toMatchObject({ connected: false, state: 'disconnected' });

    expect((await api('POST', '/disconnect')).status).toBe(409);
    for (const [path, body] of [
      ['/publish', { topic: `${p}/U/t`, payload: '1' }],
      ['/subscribe', { topics: ['x/#'] }],
      ['/unsubscribe', { topics: ['x/#'] }],
    ] as const) {
      const r = await api('POST', path, body);
      expect({ path, status: r.status }).toEqual({ path, status: 503 });
      expect(r.body.message).toContain('Not connected');
    }
    // Published while the backend is away: the persistent session keeps it. And no reconnect happens by itself.
    await publisher.publishAsync(`${p}/MGMT04/temperature`, '4', { qos: 1 });
    const reconnects = (await status()).reconnects;

    const connected = await api<MqttStatus>('POST', '/connect');
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({ state: 'connected', protocol: 'MQTT 5', subscribed_topics: [`${p}/#`] });
    expect(connected.body.reconnects).toBe(reconnects);
    await eventually(async () => expect(await storedValues('MGMT04', 'temperature')).toEqual([4]));
    expect(await ready()).toBe(200);

    const again = await api('POST', '/connect', { host: '127.0.0.1' });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('Already connected');
  });

  it('refuses invalid connect overrides with a 400 that never echoes the password', async () => {
    for (const body of [
      { port: 70_000 },
      { port: '1883' },
      { host: 'bad host!' },
      { client_id: 'has spaces' },
      { client_id: '' },
      { keepalive: -1 },
      { tls: 'yes' },
      { password: TEST_PASSWORD, broker: 'x' },
      { password: 42 },
    ]) {
      const reply = await api('POST', '/connect', body);
      expect({ body, status: reply.status }).toEqual({ body, status: 400 });
      expect(reply.text).not.toContain(TEST_PASSWORD);
    }
  });

  it('connects with overrides, falls back to MQTT 3.1.1 for a broker without MQTT 5, and never echoes the password', async () => {
    // The embedded broker (aedes) speaks MQTT 3.1.1 only and refuses MQTT 5 at CONNECT.
    const old = await EmbeddedBroker.start('127.0.0.1', 0);
    try {
      expect((await api('POST', '/disconnect')).status).toBe(200);
      const reply = await api<MqttStatus>('POST', '/connect', {
        host: '127.0.0.1',
        port: old.port,
        client_id: `${p}_v311`,
        username: 'override',
        password: TEST_PASSWORD,
        keepalive: 30,
      });
      expect(reply.status).toBe(200);
      expect(reply.text).not.toContain(TEST_PASSWORD);
      expect(reply.body).toMatchObject({
        state: 'connected',
        broker_port: old.port,
        client_id: `${p}_v311`,
        username: 'override',
        protocol: 'MQTT 3.1.1',
        protocol_version: 4,
        subscribed_topics: [`${p}/#`],
      });
      // Ingest works over the 3.1.1 connection.
      const oldPublisher = await connectPublisher('127.0.0.1', old.port, { clientId: `${p}_v311_pub` });
      await oldPublisher.publishAsync(`${p}/MGMT05/temperature`, '5', { qos: 1 });
      await oldPublisher.endAsync();
      await eventually(async () => expect(await storedValues('MGMT05', 'temperature')).toEqual([5]));
    } finally {
      expect((await api('POST', '/disconnect')).status).toBe(200);
      await old.stop();
    }
    expect(backend.logs).not.toContain(TEST_PASSWORD);
  });

  itWith(
    [OPENSSL],
    'connects over TLS with the configured CA and client certificate, and not without TLS',
    async () => {
      const tls = pki!;
      const secure = await MosquittoProcess.start(undefined, {
        ca: tls.ca,
        cert: tls.serverCert,
        key: tls.serverKey,
        requireCertificate: true,
      });
      try {
        // Plain MQTT to a TLS listener gets nowhere.
        // Another broker: MQTT_PASSWORD is not sent there, the request brings its own.
        const own = { password: 'tls-broker-password' };
        const plain = await api('POST', '/connect', { port: secure.port, client_id: `${p}_tls`, ...own });
        expect(plain.status).toBe(503);
        expect((await api('POST', '/disconnect')).status).toBe(200);

        const reply = await api<MqttStatus>('POST', '/connect', {
          port: secure.port,
          tls: true,
          client_id: `${p}_tls`,
          ...own,
        });
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({
          state: 'connected',
          broker_port: secure.port,
          tls: true,
          protocol: 'MQTT 5',
          subscribed_topics: [`${p}/#`],
        });
        const tlsPublisher = await connectPublisher('127.0.0.1', secure.port, {
          protocol: 'mqtts',
          ca: readFileSync(tls.ca),
          cert: readFileSync(tls.clientCert),
          key: readFileSync(tls.clientKey),
          clientId: `${p}_tls_pub`,
        });
        await tlsPublisher.publishAsync(`${p}/MGMT06/temperature`, '6', { qos: 1 });
        await tlsPublisher.endAsync();
        await eventually(async () => expect(await storedValues('MGMT06', 'temperature')).toEqual([6]));
      } finally {
        expect((await api('POST', '/disconnect')).status).toBe(200);
        await secure.stop();
      }
    },
  );

  it('answers 503 while a broker cannot be reached, keeps retrying with growing delays, and stops on disconnect', async () => {
    const nowhere = await freePort();
    const elsewhere = await api('POST', '/connect', { host: '127.0.0.1', port: nowhere });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.message).toContain('MQTT_PASSWORD is sent only to the configured server and user');
    const reply = await api('POST', '/connect', {
      host: '127.0.0.1',
      port: nowhere,
      password: 'not-the-configured-one',
    });
    expect(reply.status).toBe(503);
    expect(reply.body.message).toContain(`Not connected to 127.0.0.1:${nowhere}`);
    expect(reply.body.message).toContain('ECONNREFUSED');
    const first = await status();
    expect(first).toMatchObject({ state: 'connecting', broker_port: nowhere });
    // 200 ms doubling per attempt, capped at 2 s with up to half of it random: a few attempts on, every delay
    // is between 1 and 2 s.
    const later = await eventually(async () => {
      const s = await status();
      expect(s.reconnects).toBeGreaterThanOrEqual(first.reconnects + 3);
      return s;
    }, 30_000);
    expect(later.reconnect_delay_ms).toBeGreaterThanOrEqual(1000);
    expect(later.reconnect_delay_ms).toBeLessThanOrEqual(2000);
    expect(later.last_error).toContain('ECONNREFUSED');

    expect((await api('POST', '/disconnect')).body).toMatchObject({ state: 'disconnected' });
    const stopped = (await status()).reconnects;
    // Connecting back to the configured broker works; no retries were made while disconnected.
    const back = await api<MqttStatus>('POST', '/connect');
    expect(back.body).toMatchObject({ state: 'connected', broker_port: broker.port, protocol: 'MQTT 5' });
    expect(back.body.reconnects).toBe(stopped);
    expect(await ready()).toBe(200);
  });
});
