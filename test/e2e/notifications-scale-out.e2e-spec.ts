import { createServer, type Server, type ServerResponse } from 'node:http';
import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { MOSQUITTO, MosquittoProcess } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { describeWith, realPostgres } from '../support/prerequisites.js';
import { createDatabase, instanceEnv, testId, type TestDatabase } from '../support/target.js';

/** Deliveries one worker can have in flight at once: its claim batch (CLAIM_BATCH in the worker). */
const ONE_WORKER_IN_FLIGHT = 25;
const ALARMS = 60;

// Two backends need one database between them: the real PostgreSQL (the embedded one lives inside one process).
const prerequisites = [MOSQUITTO, await realPostgres()];

/**
 * Two backends on one database send one outbox: every delivery reaches the receiver exactly once. The receiver holds
 * its answers until more requests are open at once than one worker can have in flight, which proves both instances
 * were sending at the same time (the claim's FOR UPDATE SKIP LOCKED and lease are what keep them apart).
 */
describeWith(prerequisites, 'notifications: two instances on one database send each delivery once', () => {
  let prefix: string;
  let receiver: Server;
  let broker: MosquittoProcess;
  let database: TestDatabase;
  /** A ingests and queues; B only shares the outbox. */
  let a: BackendProcess;
  let b: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client;
  /** Requests by X-ThermaCore-Delivery. */
  const received = new Map<string, number>();
  let held: ServerResponse[] = [];
  let gateOpen = false;
  let mostInFlight = 0;

  function env(instance: string, topicPrefix: string): Record<string, string> {
    return {
      ...instanceEnv(database.url, broker.port, topicPrefix, `${prefix}_${instance}`),
      NOTIFICATIONS_ALLOWED_HOSTS: '127.0.0.1',
      NOTIFICATIONS_POLL_MS: '200',
      NOTIFICATIONS_LEASE_S: '60',
    };
  }

  const delivered = async (backend: BackendProcess): Promise<number> => {
    const text = (await backend.request('GET', '/metrics')).text;
    const match =
      /^scada_notification_sends_total\{channel="receiver",channel_type="webhook",outcome="delivered"\} (\d+)$/m.exec(
        text,
      );
    return match ? Number(match[1]) : 0;
  };

  beforeAll(async () => {
    prefix = `t_${testId('notify_scale')}`;
    broker = await MosquittoProcess.start();
    database = await createDatabase(prefix.slice(2));
    const port = await freePort();
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['x-thermacore-delivery']);
        received.set(id, (received.get(id) ?? 0) + 1);
        if (gateOpen) {
          res.writeHead(200).end();
          return;
        }
        held.push(res);
        mostInFlight = Math.max(mostInFlight, held.length);
        if (held.length > ONE_WORKER_IN_FLIGHT) {
          gateOpen = true;
          for (const r of held) r.writeHead(200).end();
          held = [];
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    // One after the other: the first applies the migrations. B ingests nothing (a prefix nobody publishes on), so
    // every alarm and delivery row is A's, and B only shares the outbox.
    a = await BackendProcess.start({ env: env('a', prefix) });
    b = await BackendProcess.start({ env: env('b', `${prefix}_idle`) });
    publisher = await connectPublisher('127.0.0.1', broker.port, { clientId: `${prefix}_pub` });
    db = await connectDb(database.url);

    const channel = await a.request('POST', '/api/v1/scada/notifications/channels', {
      name: 'receiver',
      type: 'webhook',
      config: { url: `http://127.0.0.1:${port}/hook`, timeout_ms: 30000 },
      secret: 'scale-out-secret-0123456789',
    });
    expect(channel.status).toBe(201);
    // Only an escalation step: its rows are due together (the readings share one timestamp), so whichever worker
    // looks first claims a full batch and the other one the next.
    const rule = await a.request('POST', '/api/v1/scada/notifications/rules', {
      name: 'escalate',
      transitions: [],
      escalation: [{ delay_seconds: 2, channel_ids: [channel.body.id] }],
    });
    expect(rule.status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    for (const r of held) r.writeHead(200).end();
    await publisher?.endAsync();
    await db?.end();
    await a?.stop();
    await b?.stop();
    await new Promise((r) => receiver?.close(() => r(undefined)));
    await broker?.stop();
    await database?.dispose();
  });

  it('sends each of many queued deliveries exactly once, with both instances sending at the same time', async () => {
    const timestamp = new Date().toISOString();
    await Promise.all(
      Array.from({ length: ALARMS }, (_, i) =>
        publisher.publishAsync(
          `${prefix}/S${String(i).padStart(3, '0')}/temperature`,
          JSON.stringify({ value: 95, timestamp }),
          { qos: 1 },
        ),
      ),
    );
    await eventually(async () => {
      const { rows } = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM notification_deliveries WHERE status = 'delivered'",
      );
      expect(rows[0].n).toBe(ALARMS);
    }, 60_000);

    expect(gateOpen).toBe(true);
    expect(mostInFlight).toBeGreaterThan(ONE_WORKER_IN_FLIGHT);
    expect(received.size).toBe(ALARMS);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    const { rows } = await db.query<{ n: number; attempts: number }>(
      'SELECT count(*)::int AS n, max(attempts)::int AS attempts FROM notification_deliveries',
    );
    expect(rows[0]).toEqual({ n: ALARMS, attempts: 1 });
    const [byA, byB] = [await delivered(a), await delivered(b)];
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(byA + byB).toBe(ALARMS);
  });
});
