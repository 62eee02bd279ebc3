import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { MOSQUITTO, MosquittoProcess } from '../support/mosquitto.js';
import { describeWith } from '../support/prerequisites.js';
import { planReadings, publishAll, type PlannedReading } from '../support/qos1-stream.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

/** The parts of /api/v1/scada/status these tests read. */
interface Status {
  mqtt: { connected: boolean; reconnects: number; pending_acks: number; subscribed_topics: string[] };
  pipeline: { received: number; stored: number; write_errors: number };
}

/** One reading to publish, and how it must come back out of sensor_readings. */

/** The unit ids a plan uses, as a SQL array literal (they are test constants: letters and digits only). */
function unitsSql(units: string[]): string {
  return `ARRAY[${units.map((u) => `'${u}'`).join(',')}]::varchar[]`;
}

/**
 * The delivery contract: a QoS 1 reading is acknowledged to the broker only once it is committed, intake never
 * waits for that, and the persistent session plus idempotent writes make "at least once in" become "exactly once
 * stored" across a killed backend, a failing database and a restarted broker.
 */
describeWith([MOSQUITTO], `delivery guarantees with a real Mosquitto (${TARGET})`, () => {
  let broker: MosquittoProcess;
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client | undefined;

  /** (Re)opens the SQL connection; the embedded database lives in the backend process and dies with it. */
  async function openDb(): Promise<pg.Client> {
    await db?.end().catch(() => undefined);
    const client = await connectDb(target.databaseUrl);
    client.on('error', () => undefined); // a killed embedded database drops the connection; openDb replaces it
    db = client;
    return client;
  }

  /**
   * SQL without parameters: one protocol message per statement, which the embedded database (a single session
   * shared by all its connections) runs whole, never spliced between the backend's parse and bind steps.
   */
  async function sql<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
    return (await db!.query<R>(text)).rows;
  }

  async function status(): Promise<Status> {
    return backend.getJson<Status>('/api/v1/scada/status');
  }

  async function killAndRestart(): Promise<void> {
    await backend.kill();
    await backend.restart();
    await openDb();
  }

  async function storedCount(units: string[], table = 'sensor_readings'): Promise<number> {
    const [row] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} r JOIN sensors s ON s.id = r.sensor_id
       WHERE s.unit_id = ANY (${unitsSql(units)})`,
    );
    return row.n;
  }

  /** Compares the stored rows of these units with the plan: the same readings, each exactly once. */
  async function compareStored(
    units: string[],
    plan: PlannedReading[],
  ): Promise<{ rows: number; distinct: number; missing: string[]; unexpected: string[] }> {
    const rows = await sql<{ unit_id: string; sensor_type: string; time: Date; value: number }>(
      `SELECT s.unit_id, s.sensor_type, r.time, r.value FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
       WHERE s.unit_id = ANY (${unitsSql(units)})`,
    );
    const expected = new Map(plan.map((r) => [r.key, r.value]));
    const seen = new Set<string>();
    const unexpected: string[] = [];
    for (const row of rows) {
      const key = `${row.unit_id}/${row.sensor_type}@${row.time.toISOString()}`;
      seen.add(key);
      if (expected.get(key) !== row.value) unexpected.push(`${key}=${row.value}`);
    }
    const missing = plan.filter((r) => !seen.has(r.key)).map((r) => r.key);
    return { rows: rows.length, distinct: seen.size, missing: missing.slice(0, 5), unexpected: unexpected.slice(0, 5) };
  }

  async function expectStoredExactlyOnce(units: string[], plan: PlannedReading[], timeoutMs = 60_000): Promise<void> {
    await eventually(async () => expect(await storedCount(units)).toBe(plan.length), timeoutMs, 250);
    expect(await compareStored(units, plan)).toEqual({
      rows: plan.length,
      distinct: plan.length,
      missing: [],
      unexpected: [],
    });
  }

  beforeAll(async () => {
    broker = await MosquittoProcess.start();
    target = await createTarget('delivery', broker.port);
    backend = await BackendProcess.start({ env: target.env });
    // A persistent MQTT 5 session, like a gateway's: what the broker has not acknowledged is resent on reconnect.
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, {
      clientId: `${target.topicPrefix}_pub`,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    await openDb();
  });

  afterAll(async () => {
    await publisher?.endAsync(true);
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await broker?.stop();
    await target?.dispose();
  });

  it('stores 10,000 QoS 1 readings exactly once across a SIGKILL of the backend mid-run', async () => {
    const units = ['RSTU1', 'RSTU2'];
    const plan = planReadings(target.topicPrefix, units, ['temperature', 'pressure', 'flow'], 10_000);
    const before = await status();

    // Killed once it has taken in 2,000 readings (some stored, more waiting for their commit), while the second
    // half is not even published yet.
    const firstHalf = publishAll(publisher, plan.slice(0, 5000));
    const atKill = await eventually(
      async () => {
        const s = await status();
        expect(s.pipeline.received - before.pipeline.received).toBeGreaterThanOrEqual(2000);
        return s;
      },
      60_000,
      20,
    );
    await backend.kill();
    await firstHalf;
    // The second half reaches the broker while the backend is down: its persistent session queues them.
    await publishAll(publisher, plan.slice(5000));
    await backend.restart();
    await openDb();

    await expectStoredExactlyOnce(units, plan);

    // The new process carried on: it took in (at least) the half published while it was down and stored it,
    // and counted no reading stored before the kill a second time (redeliveries hit the unique key).
    const after = await status();
    expect(after.mqtt.connected).toBe(true);
    expect(after.pipeline.received).toBeGreaterThanOrEqual(5000);
    expect(after.pipeline.stored).toBeGreaterThanOrEqual(5000);
    expect(atKill.pipeline.stored - before.pipeline.stored + after.pipeline.stored).toBeLessThanOrEqual(10_000);
    // Every PUBACK went out once its reading was committed.
    await eventually(async () => expect((await status()).mqtt.pending_acks).toBe(0), 30_000, 200);
  });

  it('takes readings in while the database fails, holds their PUBACKs until the commit, and loses none', async () => {
    const units = ['HOLDU1', 'HOLDU2'];
    const plan = planReadings(target.topicPrefix, units, ['temperature', 'level'], 2000);
    const before = await status();

    // Every write now fails ("relation does not exist"); the primary key goes with the renamed table.
    await sql('ALTER TABLE sensor_readings RENAME TO sensor_readings_parked');
    // These promises settle on Mosquitto's PUBACK to the publisher, sent on receipt: they resolve here, with
    // nothing stored, and say nothing about the backend. The PUBACK the contract holds back is the backend's to
    // the broker: seen below as the backend's pending_acks, and from the broker's side by killing the backend.
    await publishAll(publisher, plan);

    // Intake is not throttled by the held acknowledgements: all 2,000 are taken in, none is stored, and the
    // backend holds a PUBACK for each of them.
    await eventually(
      async () => {
        const s = await status();
        expect({
          received: s.pipeline.received - before.pipeline.received,
          stored: s.pipeline.stored - before.pipeline.stored,
          pendingAcks: s.mqtt.pending_acks,
          writeErrors: s.pipeline.write_errors > before.pipeline.write_errors,
        }).toEqual({ received: 2000, stored: 0, pendingAcks: 2000, writeErrors: true });
      },
      30_000,
      200,
    );
    expect(await storedCount(units, 'sensor_readings_parked')).toBe(0);

    // The broker agrees that nothing was acknowledged: killed now, the backend gets all 2,000 again.
    await killAndRestart();
    await eventually(
      async () => {
        const s = await status();
        expect({ received: s.pipeline.received, stored: s.pipeline.stored, pendingAcks: s.mqtt.pending_acks }).toEqual({
          received: 2000,
          stored: 0,
          pendingAcks: 2000,
        });
        expect(s.pipeline.write_errors).toBeGreaterThan(0);
      },
      30_000,
      200,
    );

    // The database recovers: the writer's retry (backoff up to 5 s) stores every reading once and releases
    // every held PUBACK.
    await sql('ALTER TABLE sensor_readings_parked RENAME TO sensor_readings');
    await expectStoredExactlyOnce(units, plan, 30_000);
    await eventually(
      async () => {
        const s = await status();
        expect({ stored: s.pipeline.stored, pendingAcks: s.mqtt.pending_acks }).toEqual({
          stored: 2000,
          pendingAcks: 0,
        });
        expect(s.pipeline.write_errors).toBeGreaterThan(0);
      },
      30_000,
      200,
    );

    // And the broker got those PUBACKs: after another kill, nothing comes back before a fresh marker reading
    // (the broker resends a session's unacknowledged messages ahead of new ones).
    await killAndRestart();
    await publisher.publishAsync(`${target.topicPrefix}/HOLDMARK/temperature`, '1', { qos: 1 });
    await eventually(async () => expect(await storedCount(['HOLDMARK'])).toBe(1), 30_000, 200);
    expect((await status()).pipeline.received).toBe(1);
  });

  it('reconnects to a restarted broker by itself and stores a QoS 1 stream exactly once', async () => {
    const units = ['BRKU1', 'BRKU2'];
    const plan = planReadings(target.topicPrefix, units, ['temperature', 'vibration'], 3000);
    const before = await status();
    const ready = async (): Promise<number> => (await fetch(`${backend.url}/health/ready`)).status;

    // The stream starts with the broker up; its second half is published while the broker is down (the
    // publisher keeps it and sends it on reconnect), so the outage falls in the middle of the stream.
    const firstHalf = publishAll(publisher, plan.slice(0, 1500), 100);
    await eventually(
      async () => expect((await status()).pipeline.received - before.pipeline.received).toBeGreaterThanOrEqual(500),
      30_000,
      20,
    );
    await broker.pause();
    const secondHalf = publishAll(publisher, plan.slice(1500), 100);
    await eventually(async () => expect(await ready()).toBe(503), 15_000, 100);
    const down = await (await fetch(`${backend.url}/health/ready`)).json();
    expect(down).toMatchObject({ status: 'error', error: { mqtt: { status: 'down' } } });
    // A deliberate outage of a few seconds: the publisher and the backend both keep trying to reconnect.
    await new Promise((r) => setTimeout(r, 3000));
    await broker.resume();

    await eventually(async () => expect(await ready()).toBe(200), 30_000, 200);
    const s = await status();
    // Subscribed again to what it had before the outage.
    expect(before.mqtt.subscribed_topics).toEqual([expect.stringMatching(`^${target.topicPrefix}/`)]);
    expect(s.mqtt).toMatchObject({ connected: true, subscribed_topics: before.mqtt.subscribed_topics });
    expect(s.mqtt.reconnects).toBeGreaterThan(before.mqtt.reconnects);

    await Promise.all([firstHalf, secondHalf]);
    await expectStoredExactlyOnce(units, plan);
    await eventually(async () => expect((await status()).mqtt.pending_acks).toBe(0), 30_000, 200);
  });
});
