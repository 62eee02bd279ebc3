import mqtt, { type MqttClient } from 'mqtt';
import type pg from 'pg';
import { NORMAL_RANGES, SENSOR_TYPES } from '../../src/simulator/unit-model.js';
import { DataType, encodeWire } from '../../src/sparkplug/sparkplug.codec.js';
import { BackendProcess } from '../support/backend.js';
import { connectDb, storedReadings } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, testId, type TestTarget } from '../support/target.js';

interface NodeView {
  id: string;
  state: string;
  bd_seq?: number;
  last_birth_at?: string;
  devices: { device: string; unit_id: string; state: string; metrics: number }[];
}

/**
 * The simulator in Sparkplug mode (SIMULATOR_PROTOCOL=sparkplug) against the backend's own Sparkplug host, over the
 * real broker (the embedded one with the simulator's own identity and ACL, or Mosquitto): all five units stored
 * with their datatypes, a Rebirth over REST answered with a new birth, a DCMD obeyed and read back in DDATA, and a
 * stop that leaves the units offline with stale points.
 */
describe(`simulator as a Sparkplug edge node (${TARGET})`, () => {
  const id = testId('spsim');
  const group = `g_${id}`;
  const hostId = `h_${id}`;
  const nodeId = `${group}_Simulator`;
  const units = [1, 2, 3, 4, 5].map((i) => `${nodeId}_UNIT00${i}`);
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client;
  let watcher: MqttClient;

  const nodes = async (): Promise<NodeView | undefined> => {
    const reply = await backend.request<NodeView[]>('GET', '/api/v1/scada/sparkplug/nodes');
    expect(reply.status).toBe(200);
    return reply.body.find((n) => n.id === nodeId);
  };

  beforeAll(async () => {
    target = await createTarget('spsim');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        SPARKPLUG_ENABLED: 'true',
        SPARKPLUG_HOST_ID: hostId,
        SPARKPLUG_GROUPS: group,
        SIMULATOR_PROTOCOL: 'sparkplug',
        SIMULATOR_SPARKPLUG_GROUP: group,
        SIMULATOR_INTERVAL_MS: '250',
        SIMULATOR_BAD_QUALITY_PROBABILITY: '0',
        SIMULATOR_UNCERTAIN_QUALITY_PROBABILITY: '0',
        SIMULATOR_OUTLIER_PROBABILITY: '0',
        SIMULATOR_OUTAGE_INTERVAL_S: '0',
        SIMULATOR_MAINTENANCE_INTERVAL_S: '0',
      },
    });
    db = await connectDb(target.databaseUrl);
    db.on('error', () => undefined);
    // The test plays a second host: it sends a DCMD as the commands API would (anonymous lab-bench client).
    watcher = await mqtt.connectAsync({ host: target.mqttHost, port: target.mqttPort, clientId: `${id}_host` });
  });

  afterAll(async () => {
    await backend?.request('POST', '/api/v1/scada/simulator/stop');
    // The shared Mosquitto keeps retained messages: this host's STATE goes with the test.
    await watcher?.publishAsync(`spBv1.0/STATE/${hostId}`, '', { qos: 1, retain: true });
    await watcher?.endAsync();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it('stores the readings of all five units with their datatypes and engineering units', async () => {
    const started = await backend.request('POST', '/api/v1/scada/simulator/start', {});
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ running: true, protocol: 'sparkplug', units: 5 });

    await eventually(async () => {
      for (const unit of units) {
        for (const sensor of SENSOR_TYPES) expect((await storedReadings(db, unit, sensor)).length).toBeGreaterThan(2);
      }
    }, 60_000);
    for (const unit of units) {
      for (const sensor of SENSOR_TYPES) {
        for (const r of await storedReadings(db, unit, sensor)) {
          expect(r.quality).toBe('GOOD');
          expect(Number(r.value)).toBeGreaterThanOrEqual(NORMAL_RANGES[sensor].min);
          expect(Number(r.value)).toBeLessThanOrEqual(NORMAL_RANGES[sensor].max);
        }
      }
      // The pump is a Boolean metric: a digital point, on (1) until commanded.
      expect((await storedReadings(db, unit, 'pump')).map((r) => Number(r.value))).toContain(1);
    }
    const { rows } = await db.query<{ sensor_type: string; kind: string | null; engineering_unit: string | null }>(
      `SELECT sensor_type, kind, engineering_unit FROM sensors WHERE unit_id = '${units[0]}' ORDER BY sensor_type`,
    );
    expect(rows).toEqual([
      { sensor_type: 'flow_rate', kind: null, engineering_unit: 'L/min' },
      { sensor_type: 'power', kind: null, engineering_unit: 'kW' },
      { sensor_type: 'pressure', kind: null, engineering_unit: 'bar' },
      { sensor_type: 'pump', kind: 'digital', engineering_unit: null },
      { sensor_type: 'temperature', kind: null, engineering_unit: '°C' },
      { sensor_type: 'temperature_setpoint', kind: 'analog', engineering_unit: '°C' },
    ]);
    const node = await nodes();
    expect(node).toMatchObject({ state: 'online', bd_seq: 0 });
    expect(node!.devices.map((d) => [d.unit_id, d.state, d.metrics]).sort()).toEqual(
      units.map((u) => [u, 'online', 6]),
    );
  });

  it('answers a Rebirth requested over REST with a new birth', async () => {
    const before = (await nodes())!.last_birth_at;
    expect(before).toEqual(expect.any(String));
    const asked = await backend.request('POST', `/api/v1/scada/sparkplug/nodes/${nodeId}/rebirth`);
    expect(asked.status).toBe(200);
    await eventually(async () => {
      const node = await nodes();
      expect(node!.last_birth_at).not.toBe(before);
      expect(node).toMatchObject({ state: 'online', bd_seq: 0 });
      // The devices are born again with their next readings.
      expect(node!.devices.filter((d) => d.state === 'online')).toHaveLength(5);
    });
    const newest = async (): Promise<number> => {
      const readings = await storedReadings(db, units[4], 'temperature');
      return readings.at(-1)!.time.getTime();
    };
    const after = await newest();
    await eventually(async () => expect(await newest()).toBeGreaterThan(after));
  });

  it('obeys a DCMD to its writable points and reports the new values in its next DDATA', async () => {
    const dcmd = encodeWire({
      timestamp: Date.now(),
      metrics: [
        { name: 'temperature_setpoint', datatype: DataType.Double, double_value: 18.5 },
        { name: 'pump', datatype: DataType.Boolean, boolean_value: false },
      ],
    });
    await watcher.publishAsync(`spBv1.0/${group}/DCMD/Simulator/UNIT002`, Buffer.from(dcmd), { qos: 0 });
    await eventually(async () => {
      expect((await storedReadings(db, units[1], 'temperature_setpoint')).map((r) => Number(r.value))).toEqual([18.5]);
      expect((await storedReadings(db, units[1], 'pump')).map((r) => Number(r.value)).at(-1)).toBe(0);
    });
    const status = await backend.request<{ commands: { accepted: number } }>('GET', '/api/v1/scada/simulator/status');
    expect(status.body.commands.accepted).toBe(2);
  });

  it('marks every unit offline and its points stale when stopped', async () => {
    const stopped = await backend.request('POST', '/api/v1/scada/simulator/stop');
    expect(stopped.status).toBe(200);
    await eventually(async () => {
      const { rows } = await db.query<{ id: string; status: string }>(
        `SELECT id, status FROM units WHERE id LIKE '${nodeId}%' ORDER BY id`,
      );
      expect(rows).toEqual([nodeId, ...units].map((unit) => ({ id: unit, status: 'offline' })));
      for (const unit of units) {
        const temperature = await storedReadings(db, unit, 'temperature');
        expect(temperature.at(-1)!.quality).toBe('UNCERTAIN');
      }
    });
    expect(await nodes()).toMatchObject({ state: 'offline' });
  });
});
