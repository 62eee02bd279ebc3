import mqtt, { type MqttClient } from 'mqtt';
import type pg from 'pg';
import { BackendProcess } from '../support/backend.js';
import { connectDb, registerUnits, storedReadings } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { MOSQUITTO, MosquittoProcess } from '../support/mosquitto.js';
import { describeWith } from '../support/prerequisites.js';
import { type EdgeNode, tahuEdgeNode } from '../support/sparkplug.js';
import { createTarget, TARGET, testId, type TestTarget } from '../support/target.js';

interface State {
  online: boolean;
  timestamp: number;
}

/** The retained STATE a client that subscribes now is given (undefined when none arrives within a second). */
async function retainedState(port: number, topic: string): Promise<State | undefined> {
  const client = await mqtt.connectAsync({ host: '127.0.0.1', port, reconnectPeriod: 0 });
  try {
    const got = new Promise<State | undefined>((resolve) => {
      client.on('message', (_t, payload, packet) => {
        if (packet.retain && payload.length > 0) resolve(JSON.parse(payload.toString()) as State);
      });
      setTimeout(() => resolve(undefined), 1000);
    });
    await client.subscribeAsync(topic, { qos: 1 });
    return await got;
  } finally {
    await client.endAsync(true);
  }
}

/**
 * The Sparkplug host's STATE across a restart of the broker (a Mosquitto this spec owns, with persistence and
 * retained messages on): after the backend reconnects by itself, the retained STATE is online again with the new
 * session's timestamp, and an edge node (Tahu's `sparkplug-client`, reconnecting by itself too) that births again
 * has its data stored.
 */
describeWith([MOSQUITTO], `Sparkplug STATE across a broker restart (${TARGET} database)`, () => {
  const id = testId('spr');
  const group = `g_${id}`;
  const hostId = `h_${id}`;
  const unitId = `${group}_edge1`;
  const stateTopic = `spBv1.0/STATE/${hostId}`;
  let broker: MosquittoProcess;
  let target: TestTarget;
  let backend: BackendProcess;
  let watcher: MqttClient;
  let db: pg.Client;
  let edge: EdgeNode;
  const states: State[] = [];
  let births = 0;
  const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;

  beforeAll(async () => {
    broker = await MosquittoProcess.start(undefined, undefined, undefined, { retainAvailable: true });
    target = await createTarget('sparkplug-restart', broker.port);
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        SPARKPLUG_ENABLED: 'true',
        SPARKPLUG_HOST_ID: hostId,
        SPARKPLUG_GROUPS: group,
        MQTT_RECONNECT_MIN_MS: '200',
        MQTT_RECONNECT_MAX_MS: '1000',
      },
    });
    await registerUnits(target.databaseUrl, [unitId]);
    db = await connectDb(target.databaseUrl);
    db.on('error', () => undefined);
    watcher = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.port, reconnectPeriod: 200 });
    watcher.on('error', () => undefined);
    watcher.on('message', (_topic, payload) => {
      if (payload.length > 0) states.push(JSON.parse(payload.toString()) as State);
    });
    await watcher.subscribeAsync(stateTopic, { qos: 1 });
  }, 180_000);

  afterAll(async () => {
    edge?.stop();
    await watcher?.endAsync(true);
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await broker?.stop();
    await target?.dispose();
  });

  it('publishes STATE online again after the broker restarts, and stores an edge node’s data after it', async () => {
    edge = tahuEdgeNode({ serverUrl: broker.url, group, edgeNode: 'edge1', clientId: `${id}_edge1` });
    edge.on('error', () => undefined);
    edge.on('birth', () => {
      births++;
      edge.publishNodeBirth({
        timestamp: Date.now(),
        metrics: [{ name: 'Temp', alias: 1, type: 'Double', value: births }],
      });
    });
    await eventually(() => expect(states.at(-1)).toMatchObject({ online: true }));
    const before = states.at(-1)!;
    await eventually(async () => expect((await storedReadings(db, unitId, 'temp')).length).toBe(1));

    await broker.pause();
    await eventually(async () => expect((await fetch(`${backend.url}/health/ready`)).status).toBe(503), 15_000);
    await broker.resume();

    // The backend's new session publishes online with its own (newer) timestamp; it is what the broker retains.
    await eventually(async () => {
      const retained = await retainedState(broker.port, stateTopic);
      expect(retained?.online).toBe(true);
      expect(retained!.timestamp).toBeGreaterThan(before.timestamp);
    }, 30_000);
    const health = await backend.getJson<{ details?: { sparkplug?: { state_online?: boolean } } }>('/health');
    expect(JSON.stringify(health)).toContain('"state_online":true');

    // Tahu's client reconnected by itself and birthed again (a new session): its data after the restart is stored.
    await eventually(() => expect(births).toBeGreaterThanOrEqual(2), 30_000);
    // (Its later birth carries the birth count as the value; a reconnect may birth more than once.)
    await eventually(async () => {
      const stored = await storedReadings(db, unitId, 'temp');
      expect(stored.some((r) => Number(r.value) >= 2 && r.quality === 'GOOD')).toBe(true);
    }, 30_000);
    edge.publishNodeData({ timestamp: base, metrics: [{ alias: 1, type: 'Double', value: 42.5 }] });
    await eventually(async () => {
      const stored = await storedReadings(db, unitId, 'temp');
      expect(stored.find((r) => r.time.getTime() === base)?.value).toBe(42.5);
    }, 30_000);
  });

  it('says which broker setting to change when the broker refuses the retained STATE (the shipped configuration)', async () => {
    const stock = await MosquittoProcess.start(); // docker/mosquitto/mosquitto.conf as shipped: retain_available false
    const stockTarget = await createTarget('sparkplug-stock', stock.port);
    let refused: BackendProcess | undefined;
    try {
      refused = await BackendProcess.start({
        env: { ...stockTarget.env, SPARKPLUG_ENABLED: 'true', SPARKPLUG_HOST_ID: `${hostId}_stock` },
        waitFor: 'live',
      });
      await eventually(async () => {
        const res = await fetch(`${refused!.url}/health/ready`);
        expect(res.status).toBe(503);
        expect(await res.text()).toContain('retain_available true');
      }, 30_000);
    } finally {
      await refused?.stop();
      await stock.stop();
      await stockTarget.dispose();
    }
  });
});
