import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import { SeededRandom } from '../../src/simulator/seeded-random.js';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

const MAX_UNITS = 50;
const MAX_SENSORS_PER_UNIT = 8;
const FLOOD = 100_000;
/** Flood units are drawn from this many ids, so units fill up and so do the sensors of each admitted unit. */
const FLOOD_UNIT_IDS = 400;
/** One good reading (QoS 1, awaited) on the existing sensors after every this many flood messages. */
const GOOD_EVERY = 1000;
const GOOD_SENSORS = [
  ['GOOD1', 'temperature'],
  ['GOOD1', 'pressure'],
  ['GOOD2', 'flow'],
] as const;
const RSS_GROWTH_LIMIT_KB = 150 * 1024;

interface ScadaStatus {
  pipeline: { received: number; stored: number; dropped: number; rejected_by_reason: Record<string, number> };
  database: { known_sensors: number };
}

/** Resident memory of a process in kB (/proc/<pid>/status VmRSS). */
function rssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

/**
 * A flood of readings on 100,000 distinct random (seeded) topics over real MQTT: at most MAX_UNITS units and
 * MAX_SENSORS_PER_UNIT sensors per unit are created, in the tables and in memory; every other reading is rejected
 * and counted as cardinality_limit; the backend's memory stays bounded; good readings on existing sensors are
 * stored all along.
 */
describe(`cardinality limits under a flood of random topics (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client;
  let p: string;
  let goodSent = 0;
  /** Distinct source times for good readings, so none is absorbed as a redelivery. */
  let goodTime = Date.UTC(2026, 0, 1);

  const status = (): Promise<ScadaStatus> => backend.getJson<ScadaStatus>('/api/v1/scada/status');

  const publishGood = async (): Promise<void> => {
    goodTime += 1000;
    for (const [unit, sensor] of GOOD_SENSORS) {
      await publisher.publishAsync(`${p}/${unit}/${sensor}`, JSON.stringify({ value: 20, timestamp: goodTime }), {
        qos: 1,
      });
      goodSent++;
    }
  };

  const goodStored = async (): Promise<number> => {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
       WHERE s.unit_id IN ('GOOD1', 'GOOD2')`,
    );
    return Number(rows[0].n);
  };

  beforeAll(async () => {
    target = await createTarget('cardinality');
    p = target.topicPrefix;
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        MAX_UNITS: String(MAX_UNITS),
        MAX_SENSORS_PER_UNIT: String(MAX_SENSORS_PER_UNIT),
        READING_MAX_AGE_S: String(10 * 365 * 86_400),
      },
    });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${p}_pub` });
    db = await connectDb(target.databaseUrl);
    await eventually(async () => {
      await publishGood();
      expect(await goodStored()).toBeGreaterThan(0);
    }, 60_000);
    await eventually(async () => expect(await goodStored()).toBe(goodSent), 30_000);
  });

  afterAll(async () => {
    await publisher?.endAsync();
    await db?.end();
    await backend?.stop();
    await target?.dispose();
  });

  it('creates at most the caps, rejects and counts the rest, stays within memory and keeps storing good readings', async () => {
    const random = new SeededRandom('cardinality-flood');
    const before = await status();
    const rssBefore = rssKb(backend.pid!);
    let rssPeak = rssBefore;

    for (let i = 0; i < FLOOD; i++) {
      const unit = `F${random.int(FLOOD_UNIT_IDS)}`;
      const sensor = `s${i}_${random.int(1_000_000)}`;
      publisher.publish(`${p}/${unit}/${sensor}`, String(random.int(100)), { qos: 0 });
      if ((i + 1) % GOOD_EVERY === 0) {
        // Awaited QoS 1 round trips pace the flood (their PUBACKs wait for the commit) and prove good data flows.
        await publishGood();
        if ((i + 1) % (GOOD_EVERY * 10) === 0) rssPeak = Math.max(rssPeak, rssKb(backend.pid!));
      }
    }
    await publishGood();

    // Every flood message was taken in, and each was either stored (admitted) or rejected for the caps.
    const after = await eventually(async () => {
      const s = await status();
      expect(s.pipeline.received - before.pipeline.received).toBeGreaterThanOrEqual(FLOOD);
      expect(await goodStored()).toBe(goodSent);
      return s;
    }, 90_000);
    rssPeak = Math.max(rssPeak, rssKb(backend.pid!));

    const units = await db.query<{ id: string; sensors: string }>(
      `SELECT u.id, count(s.id) AS sensors FROM units u LEFT JOIN sensors s ON s.unit_id = u.id GROUP BY u.id`,
    );
    const sensorCount = units.rows.reduce((n, r) => n + Number(r.sensors), 0);
    expect(units.rows.length).toBe(MAX_UNITS); // 2 good units and 48 flood units: full, not over
    expect(Math.max(...units.rows.map((r) => Number(r.sensors)))).toBe(MAX_SENSORS_PER_UNIT);
    expect(sensorCount).toBeLessThanOrEqual(MAX_UNITS * MAX_SENSORS_PER_UNIT);
    const floodSensors = sensorCount - GOOD_SENSORS.length;

    const rejected = after.pipeline.rejected_by_reason.cardinality_limit ?? 0;
    expect(rejected).toBe(FLOOD - floodSensors);
    expect(after.pipeline.dropped).toBe(0);
    // In memory too: the registry knows exactly the sensors that exist, the latest values the units that exist.
    expect(after.database.known_sensors).toBe(sensorCount);
    const latest = await backend.getJson<{ units: { unit_id: string; sensors: unknown[] }[] }>(
      '/api/v1/scada/telemetry/latest',
    );
    expect(latest.units.length).toBeLessThanOrEqual(MAX_UNITS);
    expect(latest.units.reduce((n, u) => n + u.sensors.length, 0)).toBe(sensorCount);

    const metrics = await (await fetch(`${backend.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`scada_readings_rejected_total\\{reason="cardinality_limit"\\} ${rejected}\\b`));

    expect(rssPeak - rssBefore).toBeLessThan(RSS_GROWTH_LIMIT_KB);

    // After the flood, good readings on existing sensors are still stored, and a new topic is still refused.
    await publishGood();
    await publisher.publishAsync(`${p}/LATE/new_sensor`, '1', { qos: 1 });
    await eventually(async () => expect(await goodStored()).toBe(goodSent), 30_000);
    await eventually(async () => {
      const s = await status();
      expect(s.pipeline.rejected_by_reason.cardinality_limit).toBe(rejected + 1);
    });
    const late = await db.query(`SELECT 1 FROM units WHERE id = 'LATE'`);
    expect(late.rows).toHaveLength(0);
  }, 300_000);
});
