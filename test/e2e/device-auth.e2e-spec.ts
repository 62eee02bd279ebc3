import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type pg from 'pg';
import { BackendProcess, newApiKey } from '../support/backend.js';
import { connectDb, connectPublisher, createDevice, type DeviceLogin, storedReadings } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { MOSQUITTO, MosquittoProcess } from '../support/mosquitto.js';
import { describeWith } from '../support/prerequisites.js';
import { repoRoot } from '../support/paths.js';
import { freePort } from '../support/ports.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

/** The CONNACK return code of a refused CONNECT (mqtt.js rejects with an error carrying it). */
async function connectRefusal(port: number, options: IClientOptions): Promise<number | undefined> {
  try {
    const client = await mqtt.connectAsync({ host: '127.0.0.1', port, reconnectPeriod: 0, ...options });
    await client.endAsync(true);
    return 0;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

/** The value of one sample of /metrics, 0 when absent. */
async function metric(backend: BackendProcess, sample: string): Promise<number> {
  const text = (await backend.request('GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

const refused = (reason: string): string => `scada_mqtt_auth_refused_total{reason="${reason}"}`;

/** Resolves when the client's connection is gone (the broker closed it). */
function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/**
 * Device identities on the embedded broker (the default `npm start` runs): no anonymous or unknown client gets in,
 * a device publishes only for its own units, nobody but the backend subscribes to the prefix, the backend's client
 * id is the backend's, and the simulator (an identity of its own) still runs.
 */
describe(`device identities on the embedded broker (${TARGET} database)`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client;
  let port: number;
  let p: string;
  let deviceA: DeviceLogin;
  let deviceB: DeviceLogin;
  const clients: MqttClient[] = [];

  const connectAs = async (login: DeviceLogin, extra: IClientOptions = {}): Promise<MqttClient> => {
    const client = await connectPublisher('127.0.0.1', port, {
      username: login.username,
      password: login.password,
      reconnectPeriod: 0,
      ...extra,
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    target = await createTarget('device_auth', undefined, { anonymousMqtt: false });
    port = await freePort();
    // The embedded broker whatever E2E_TARGET says: it is the one this backend enforces itself.
    const env: Record<string, string> = { ...target.env, MQTT_BROKER_PORT: String(port), SIMULATOR_AUTOSTART: 'true' };
    delete env.MQTT_BROKER_HOST;
    backend = await BackendProcess.start({ env });
    p = target.topicPrefix;
    db = await connectDb(target.databaseUrl);
    deviceA = await createDevice(backend, 'device-a', ['UNIT_A']);
    deviceB = await createDevice(backend, 'device-b', ['UNIT_B'], true);
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true).catch(() => undefined);
    await db?.end();
    await backend?.stop();
    await target?.dispose();
  });

  it('answers a created device with its user name and password once; lists it without secrets; audits it', async () => {
    expect(deviceA.username).toBe('device-a');
    expect(deviceA.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const list = await backend.request<Record<string, unknown>[]>('GET', '/api/v1/scada/devices');
    expect(list.status).toBe(200);
    expect(list.body.map((d) => d.name)).toEqual(['device-a', 'device-b']);
    expect(list.body[0]).toMatchObject({ units: ['UNIT_A'], publish_status: false, revoked_at: null });
    expect(JSON.stringify(list.body)).not.toContain(deviceA.password);
    const { rows } = await db.query<{ action: string; new_value: unknown }>(
      `SELECT action, new_value FROM audit_log WHERE path = '/api/v1/scada/devices' ORDER BY id`,
    );
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(deviceA.password);
    expect(backend.logs).not.toContain(deviceA.password);
  });

  it('refuses device management to roles below admin, and a second active device of the same name', async () => {
    const engineer = await backend.createKey('engineer');
    const denied = await backend.request(
      'POST',
      '/api/v1/scada/devices',
      { name: 'x', units: ['U'] },
      {
        authorization: `Bearer ${engineer}`,
      },
    );
    expect(denied.status).toBe(403);
    const again = await backend.request('POST', '/api/v1/scada/devices', { name: 'device-a', units: ['U'] });
    expect(again.status).toBe(409);
    const bad = await backend.request('POST', '/api/v1/scada/devices', { name: 'a/b', units: [] });
    expect(bad.status).toBe(400);
  });

  it('refuses anonymous clients, unknown users and wrong passwords at CONNECT, and counts them', async () => {
    expect(await connectRefusal(port, {})).toBe(5);
    expect(await connectRefusal(port, { username: 'device-a', password: 'wrong' })).toBe(4);
    expect(await connectRefusal(port, { username: 'nobody', password: deviceA.password })).toBe(4);
    expect(await connectRefusal(port, { username: 'device-a', password: deviceB.password })).toBe(4);
    expect(await metric(backend, refused('connect_anonymous'))).toBeGreaterThanOrEqual(1);
    expect(await metric(backend, refused('connect_bad_credentials'))).toBeGreaterThanOrEqual(3);
  });

  it("keeps the backend's client id for the backend: a device cannot take over its session", async () => {
    const code = await connectRefusal(port, {
      username: deviceA.username,
      password: deviceA.password,
      clientId: target.env.MQTT_CLIENT_ID,
    });
    expect(code).toBe(2);
    expect(await metric(backend, refused('connect_client_id_reserved'))).toBeGreaterThanOrEqual(1);
    const status = await backend.request<{ connected: boolean }>('GET', '/api/v1/scada/mqtt/status');
    expect(status.body.connected).toBe(true);
  });

  it("stores a device's readings for its own units; drops (and counts) one for another device's unit", async () => {
    const a = await connectAs(deviceA);
    await a.publishAsync(`${p}/UNIT_A/temperature`, '21.5', { qos: 1 });
    await eventually(async () => expect(await storedReadings(db, 'UNIT_A', 'temperature')).toHaveLength(1), 20_000);

    const before = await metric(backend, refused('publish_topic_denied'));
    const gone = closed(a);
    // The hidden over-temperature: A claims B's unit. The broker refuses it and closes A's connection.
    a.publish(`${p}/UNIT_B/temperature`, '20', { qos: 0 });
    await gone;
    await eventually(async () => expect(await metric(backend, refused('publish_topic_denied'))).toBe(before + 1));

    const b = await connectAs(deviceB);
    await b.publishAsync(`${p}/UNIT_B/pressure`, '3.2', { qos: 1 });
    await eventually(async () => expect(await storedReadings(db, 'UNIT_B', 'pressure')).toHaveLength(1), 20_000);
    expect(await storedReadings(db, 'UNIT_B', 'temperature')).toHaveLength(0);
  });

  it('refuses a status from a device without the status right, retained messages, and topics off the shapes', async () => {
    for (const [topic, retain, reason] of [
      [`${p}/UNIT_A/status`, false, 'publish_status_denied'],
      [`${p}/UNIT_A/temperature`, true, 'publish_retain_denied'],
      [`${p}/UNIT_A/temperature/extra`, false, 'publish_topic_denied'],
      [`other/UNIT_A/temperature`, false, 'publish_topic_denied'],
    ] as const) {
      const before = await metric(backend, refused(reason));
      const a = await connectAs(deviceA);
      const gone = closed(a);
      a.publish(topic, '1', { qos: 0, retain });
      await gone;
      await eventually(async () => expect(await metric(backend, refused(reason))).toBe(before + 1));
    }
    // Device B may report its unit's status.
    const b = await connectAs(deviceB);
    await b.publishAsync(`${p}/UNIT_B/status`, 'maintenance', { qos: 1 });
    await eventually(async () => {
      const { rows } = await db.query<{ status: string }>(`SELECT status FROM units WHERE id = 'UNIT_B'`);
      expect(rows[0]?.status).toBe('maintenance');
    }, 20_000);
  });

  it('lets nobody but the backend subscribe to the prefix; a device only to its own command topics', async () => {
    const a = await connectAs(deviceA);
    const before = await metric(backend, refused('subscribe_denied'));
    // A refused filter is a SUBACK failure (0x80), which mqtt.js turns into a rejected subscribe.
    for (const filter of [`${p}/#`, '#', `${p}/UNIT_B/+/set`, `$SYS/#`]) {
      await expect(a.subscribeAsync(filter, { qos: 1 })).rejects.toThrow('Subscribe error');
    }
    const granted = await a.subscribeAsync(`${p}/UNIT_A/+/set`, { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    expect(await metric(backend, refused('subscribe_denied'))).toBe(before + 4);
  });

  it('closes a revoked device at once and refuses it from then on', async () => {
    const c = await createDevice(backend, 'device-c', ['UNIT_C']);
    const client = await connectAs(c);
    const gone = closed(client);
    const revoked = await backend.request('DELETE', `/api/v1/scada/devices/${c.id}`);
    expect(revoked.status).toBe(200);
    await gone;
    expect(await connectRefusal(port, { username: c.username, password: c.password })).toBe(4);
  });

  it('still runs the simulator, on an identity of its own', async () => {
    await eventually(
      async () => expect((await storedReadings(db, 'UNIT001', 'temperature')).length).toBeGreaterThan(0),
      60_000,
    );
    const status = await backend.request<{ running: boolean; connected: boolean }>(
      'GET',
      '/api/v1/scada/simulator/status',
    );
    expect(status.body).toMatchObject({ running: true, connected: true });
  });
});

/** Runs the device CLI against the spec's database; resolves with its output. */
function devicesCli(env: Record<string, string>, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'dist/src/devices/devices.cli.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      cwd: tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`devices ${args[0]}: ${code}\n${out}`)),
    );
  });
}

async function cliDevice(env: Record<string, string>, name: string, units: string): Promise<DeviceLogin> {
  const out = await devicesCli(env, ['create', '--name', name, '--units', units]);
  const password = /\n {4}([A-Za-z0-9_-]{43})\n/.exec(out)?.[1];
  if (password === undefined) throw new Error(`no password in:\n${out}`);
  return { id: out.slice(0, 16), username: name, password };
}

/**
 * On an external broker the broker is the enforcement point: Mosquitto, configured by docker/mosquitto/mosquitto.conf
 * with the files `npm run devices -- export-mosquitto` writes, refuses what the embedded broker refuses.
 */
describeWith(
  [MOSQUITTO],
  `device identities on Mosquitto with the exported password and ACL files (${TARGET} database)`,
  () => {
    let target: TestTarget;
    let broker: MosquittoProcess;
    let backend: BackendProcess;
    let db: pg.Client;
    let p: string;
    let deviceA: DeviceLogin;
    let deviceB: DeviceLogin;
    /** The backend's own broker user (MQTT_USERNAME): the export gives it the whole prefix. */
    let backendUser: DeviceLogin;
    const files = mkdtempSync(join(tmpdir(), 'tc-mosquitto-auth-'));
    const clients: MqttClient[] = [];

    beforeAll(async () => {
      const port = await freePort();
      target = await createTarget('device_auth_mosquitto', port);
      p = target.topicPrefix;
      const env: Record<string, string> = {
        ...target.env,
        MQTT_USERNAME: 'scada-backend',
        MQTT_PASSWORD: newApiKey(),
        AUTH_BOOTSTRAP_ADMIN_KEY: newApiKey(),
      };
      // Devices first (the CLI, as an operator would provision them), then the files, then the broker and backend.
      backendUser = { id: '', username: env.MQTT_USERNAME, password: env.MQTT_PASSWORD };
      deviceA = await cliDevice(env, 'device-a', 'UNIT_A');
      deviceB = await cliDevice(env, 'device-b', 'UNIT_B');
      const passwordFile = join(files, 'password_file');
      const aclFile = join(files, 'acl_file');
      await devicesCli(env, ['export-mosquitto', '--password-file', passwordFile, '--acl-file', aclFile]);
      broker = await MosquittoProcess.start(port, undefined, { passwordFile, aclFile });
      backend = await BackendProcess.start({ env });
      db = await connectDb(target.databaseUrl);
    }, 240_000);

    afterAll(async () => {
      for (const client of clients) await client.endAsync(true).catch(() => undefined);
      await db?.end();
      await backend?.stop();
      await broker?.stop();
      await target?.dispose();
      rmSync(files, { recursive: true, force: true });
    });

    const connectAs = async (login: DeviceLogin): Promise<MqttClient> => {
      const client = await connectPublisher('127.0.0.1', broker.port, {
        username: login.username,
        password: login.password,
        reconnectPeriod: 0,
      });
      clients.push(client);
      return client;
    };

    it('refuses anonymous clients and wrong passwords at CONNECT', async () => {
      expect(await connectRefusal(broker.port, {})).toBe(5);
      expect(await connectRefusal(broker.port, { username: 'device-a', password: 'wrong' })).toBeGreaterThanOrEqual(4);
      expect(
        await connectRefusal(broker.port, { username: 'device-a', password: deviceB.password }),
      ).toBeGreaterThanOrEqual(4);
      expect(await connectRefusal(broker.port, { username: 'device-a', password: deviceA.password })).toBe(0);
    });

    it("does not deliver device A's reading for device B's unit; delivers A's own", async () => {
      const a = await connectAs(deviceA);
      await a.publishAsync(`${p}/UNIT_B/temperature`, '20', { qos: 1 });
      await a.publishAsync(`${p}/UNIT_A/temperature`, '95', { qos: 1 });
      // Mosquitto forwards in order: once A's second reading is stored, the first would have been too.
      await eventually(async () => expect(await storedReadings(db, 'UNIT_A', 'temperature')).toHaveLength(1), 20_000);
      expect(await storedReadings(db, 'UNIT_B', 'temperature')).toHaveLength(0);
    });

    it('gives a device that subscribes to the prefix nothing but its own command topics', async () => {
      const a = await connectAs(deviceA);
      const received: string[] = [];
      a.on('message', (topic) => received.push(topic));
      await a.subscribeAsync(`${p}/#`, { qos: 1 });
      const b = await connectAs(deviceB);
      await b.publishAsync(`${p}/UNIT_B/pressure`, '3.1', { qos: 1 });
      await eventually(async () => expect(await storedReadings(db, 'UNIT_B', 'pressure')).toHaveLength(1), 20_000);
      // A command for A's unit, sent after B's reading: A may read it, and gets it after anything sent before it.
      // (Sent as the backend's broker user: the REST publish route takes readings only.)
      const commander = await connectAs(backendUser);
      await commander.publishAsync(`${p}/UNIT_A/temperature/set`, '50', { qos: 1 });
      await eventually(() => expect(received).toContain(`${p}/UNIT_A/temperature/set`));
      expect(received).toEqual([`${p}/UNIT_A/temperature/set`]);
    });
  },
);
