import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher, connectSocket } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { MOSQUITTO, MosquittoProcess } from '../support/mosquitto.js';
import { describeWith } from '../support/prerequisites.js';
import { planReadings, publishAll } from '../support/qos1-stream.js';
import {
  createDatabase,
  createTarget,
  realPostgresReachable,
  TARGET,
  testId,
  type TestDatabase,
  type TestTarget,
} from '../support/target.js';

/** The parts of /api/v1/scada/status these tests read. */
interface Status {
  mqtt: { connected: boolean; pending_acks: number };
  pipeline: { received: number; stored: number; write_errors: number };
}

const SHUTDOWN_TIMEOUT_MS = 10_000;

const postgres = await realPostgresReachable();
const title = `graceful shutdown (real Mosquitto, ${postgres ? 'real PostgreSQL' : 'embedded PGlite'})`;

/**
 * SIGTERM as Kubernetes sends it on a rolling update: the backend stops taking messages, writes and acknowledges
 * what it took in, and exits within SHUTDOWN_TIMEOUT_MS; the broker keeps the rest for the next session. After a
 * restart every reading published is stored exactly once.
 */
describeWith([MOSQUITTO], title, () => {
  let broker: MosquittoProcess;
  let target: TestTarget;
  let database: TestDatabase | undefined;
  let databaseUrl: string;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client | undefined;

  async function openDb(): Promise<pg.Client> {
    await db?.end().catch(() => undefined);
    const client = await connectDb(databaseUrl);
    client.on('error', () => undefined); // the embedded database dies with the backend; openDb replaces it
    db = client;
    return client;
  }

  /** Literal SQL only: the embedded database multiplexes one session (no parameters). */
  async function sql<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
    return (await db!.query<R>(text)).rows;
  }

  const status = (): Promise<Status> => backend.getJson<Status>('/api/v1/scada/status');

  /** Rows of these units, and how many distinct primary keys (sensor_id, time) they hold. */
  async function stored(units: string[]): Promise<{ rows: number; distinct: number; values: number }> {
    const [row] = await sql<{ rows: number; distinct: number; values: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT (r.sensor_id, r.time))::int AS distinct,
              count(DISTINCT r.value)::int AS values
       FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
       WHERE s.unit_id IN (${units.map((u) => `'${u}'`).join(',')})`,
    );
    return row;
  }

  /** Sends SIGTERM and resolves with the exit code and how long the process took to go. */
  async function terminate(): Promise<{ code: number | null; elapsedMs: number }> {
    const started = Date.now();
    const code = await backend.stop();
    return { code, elapsedMs: Date.now() - started };
  }

  beforeAll(async () => {
    broker = await MosquittoProcess.start();
    target = await createTarget('shutdown', broker.port);
    const env: Record<string, string> = { ...target.env, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) };
    databaseUrl = target.databaseUrl;
    if (TARGET === 'embedded' && postgres) {
      // The real PostgreSQL where one answers: the test is about the broker and the drain, not PGlite.
      database = await createDatabase(testId('shutdown_pg'));
      delete env.DATA_DIR;
      delete env.EMBEDDED_DATABASE_PORT;
      env.DATABASE_URL = databaseUrl = database.url;
    }
    backend = await BackendProcess.start({ env });
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
    await database?.dispose();
    await target?.dispose();
  });

  it('SIGTERM mid-stream: exits 0 within SHUTDOWN_TIMEOUT_MS, and after a restart every reading is stored once', async () => {
    const units = ['SIGU1', 'SIGU2'];
    const readings = planReadings(target.topicPrefix, units, ['temperature', 'pressure', 'flow'], 6000);
    const socket: Socket = await connectSocket(backend.url, backend.token);
    const socketClosed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    const before = await status();

    const stream = publishAll(publisher, readings, 100);
    await eventually(
      async () => expect((await status()).pipeline.received - before.pipeline.received).toBeGreaterThanOrEqual(1500),
      60_000,
      20,
    );
    // Readiness is asked while the process drains: once it has said 503 it must never say "ready" again.
    const readiness: number[] = [];
    let exited = false;
    const stopping = terminate();
    const probe = (async () => {
      while (!exited) {
        try {
          readiness.push((await fetch(`${backend.url}/health/ready`)).status);
        } catch {
          return; // the server has closed
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const { code, elapsedMs } = await stopping;
    exited = true;
    await probe;

    expect(code).toBe(0);
    expect(elapsedMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    const afterSignal = readiness.includes(503) ? readiness.slice(readiness.indexOf(503)) : [];
    expect(afterSignal.filter((s) => s !== 503)).toEqual([]);
    // Closed by the server, cleanly: a client with reconnection on would now reconnect (to another replica).
    expect(await socketClosed).toBe('transport close');
    expect(backend.logs).toContain('Drained: every reading taken in is stored and acknowledged');
    socket.close();

    // The rest of the stream reaches the broker while the backend is down; its persistent session keeps it.
    await stream;
    await backend.restart();
    await openDb();
    await eventually(async () => expect((await stored(units)).rows).toBe(readings.length), 60_000, 250);
    expect(await stored(units)).toEqual({ rows: 6000, distinct: 6000, values: 6000 });
    await eventually(async () => expect((await status()).mqtt.pending_acks).toBe(0), 30_000, 200);
  });

  it('SIGTERM while the database fails: readiness 503 at once, exit within the timeout, nothing acknowledged', async () => {
    const units = ['DOWNU1'];
    const readings = planReadings(target.topicPrefix, units, ['temperature', 'level'], 500);
    const before = await status();
    // Every insert now fails with a transient error (53000 insufficient_resources): the writer keeps retrying, as for
    // a database that is down. A refusal for good (a check violation, class 23) would be dead-lettered and acked
    // instead. Reads, start-up included, still work.
    await sql(`CREATE FUNCTION e2e_refuse_writes() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'e2e: writes refused' USING ERRCODE = '53000'; END $$`);
    await sql(`CREATE TRIGGER e2e_refuse_writes BEFORE INSERT ON sensor_readings
      FOR EACH ROW EXECUTE FUNCTION e2e_refuse_writes()`);
    await publishAll(publisher, readings, 100);
    await eventually(
      async () => {
        const s = await status();
        expect(s.pipeline.received - before.pipeline.received).toBe(500);
        expect(s.mqtt.pending_acks).toBe(500);
      },
      30_000,
      200,
    );

    const stopping = terminate();
    // The drain cannot finish (every write fails): readiness says 503 from the signal to the exit.
    await eventually(async () => expect((await fetch(`${backend.url}/health/ready`)).status).toBe(503), 5000, 20);
    const body = (await (await fetch(`${backend.url}/health/ready`)).json()) as object;
    expect(body).toMatchObject({ status: 'error', error: { lifecycle: { status: 'down' } } });
    const { code, elapsedMs } = await stopping;
    expect(code).toBe(1);
    expect(elapsedMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1000);
    expect(backend.logs).toContain('Drain incomplete at the deadline: 500 readings not written');

    // None of the 500 was acknowledged, so the broker hands them all to the restarted backend, which stores them
    // once writes work again (it retries meanwhile; the embedded database can only be reached while it runs).
    await backend.restart();
    await openDb();
    await sql('DROP TRIGGER e2e_refuse_writes ON sensor_readings');
    await sql('DROP FUNCTION e2e_refuse_writes()');
    await eventually(async () => expect((await stored(units)).rows).toBe(500), 60_000, 250);
    expect(await stored(units)).toEqual({ rows: 500, distinct: 500, values: 500 });
  });
});
