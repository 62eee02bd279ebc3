import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher, connectSocket, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

const LAST_SEEN_INTERVAL_MS = 200;

interface Response<T = any> {
  status: number;
  body: T;
}

interface StoredRow {
  time: Date;
  value: number;
  quality: string;
}

/** A page of a list endpoint. */
interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  next_cursor: string | null;
}

/** GET /api/v1/scada/units, one element. */
interface UnitJson {
  unit_id: string;
  status: string;
  first_seen: string;
  last_seen: string | null;
  sensor_count: number;
}

/** GET /api/v1/scada/units/{unit_id}/sensors, one element. */
interface SensorJson {
  id: number;
  unit_id: string;
  sensor_type: string;
  scale_factor: number;
  offset: number;
  valid_min: number | null;
  valid_max: number | null;
  first_seen: string;
  last_seen: string;
  [field: string]: unknown;
}

interface LiveReading {
  sensor_type: string;
  value: number;
  quality: string;
  timestamp: string;
}

/** Tenths of a kelvin in, degrees Celsius out, plausible from -50 to 150 °C. */
const KELVIN_TENTHS_TO_CELSIUS = {
  scale_factor: 0.1,
  offset: -273.15,
  valid_min: -50,
  valid_max: 150,
  engineering_unit: '°C',
  display_name: 'Boiler outlet temperature',
};

/**
 * The sensors API and per-sensor processing: units and sensors appear on their first reading, settings changed
 * over REST apply to the very next reading (stored and pushed live), implausible values are kept as BAD, and
 * last_seen follows the stored readings.
 */
describe(`sensors end to end (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client | undefined;
  let live: Socket;
  const liveReadings: LiveReading[] = [];
  /** Whole seconds a minute ago: every reading gets its own explicit, distinct timestamp from here. */
  const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  let nextTime = 0;
  let sensorId: number;

  /** (Re)opens the SQL connection; the embedded database lives in the backend process and dies with it. */
  async function openDb(): Promise<void> {
    await db?.end().catch(() => undefined);
    db = await connectDb(target.databaseUrl);
    db.on('error', () => undefined);
  }

  /** SQL with literal values only: the embedded database runs all its connections in one session. */
  async function sql<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
    return (await db!.query<R>(text)).rows;
  }

  /** Stored readings of a unit's sensor (ids are test constants: letters and digits only). */
  function stored(unitId: string, sensorType: string): Promise<StoredRow[]> {
    return sql<StoredRow>(
      `SELECT r.time, r.value, r.quality FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
       WHERE s.unit_id = '${unitId}' AND s.sensor_type = '${sensorType}' ORDER BY r.time`,
    );
  }

  async function api<T = any>(method: 'GET' | 'PATCH', path: string, body?: unknown): Promise<Response<T>> {
    const reply = await backend.request<T>(method, path, body);
    return { status: reply.status, body: reply.body };
  }

  /** Publishes a reading (QoS 1) with the next free timestamp, and returns that timestamp. */
  async function publish(unitId: string, sensorType: string, value: number): Promise<string> {
    const timestamp = new Date(base + nextTime++ * 1000).toISOString();
    await publisher.publishAsync(
      `${target.topicPrefix}/${unitId}/${sensorType}`,
      JSON.stringify({ value, timestamp }),
      {
        qos: 1,
      },
    );
    return timestamp;
  }

  /** Waits for the reading stamped `timestamp` to be stored, and returns its row. */
  async function storedAt(unitId: string, sensorType: string, timestamp: string): Promise<StoredRow> {
    return eventually(async () => {
      const row = (await stored(unitId, sensorType)).find((r) => r.time.toISOString() === timestamp);
      expect(row).toBeDefined();
      return row!;
    });
  }

  /** Waits for the reading stamped `timestamp` to arrive over Socket.IO. */
  async function liveAt(sensorType: string, timestamp: string): Promise<LiveReading> {
    return eventually(() => {
      const reading = liveReadings.find((r) => r.sensor_type === sensorType && r.timestamp === timestamp);
      expect(reading).toBeDefined();
      return reading!;
    });
  }

  async function sensorOf(unitId: string, sensorType: string): Promise<SensorJson> {
    const { body } = await api<Page<SensorJson>>('GET', `/api/v1/scada/units/${unitId}/sensors`);
    return body.items.find((s) => s.sensor_type === sensorType)!;
  }

  beforeAll(async () => {
    target = await createTarget('sensors');
    // last_seen updates are coalesced per sensor for LAST_SEEN_INTERVAL_MS; a short interval keeps the spec quick.
    backend = await BackendProcess.start({
      env: { ...target.env, LAST_SEEN_INTERVAL_MS: String(LAST_SEEN_INTERVAL_MS) },
    });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${target.topicPrefix}_pub` });
    await openDb();
    live = await connectSocket(backend.url, backend.token);
    live.on('sensor_data', (event: { unit_id: string; readings: LiveReading[] }) => {
      if (event.unit_id === 'BOILER1') liveReadings.push(...event.readings);
    });
    // The gateway refuses units it has never seen; BOILER1 has not reported yet.
    await registerUnits(target.databaseUrl, ['BOILER1']);
    expect(await request(live, 'subscribe_unit', { unit_id: 'BOILER1' })).toMatchObject({
      ok: true,
      unit_id: 'BOILER1',
    });
  });

  afterAll(async () => {
    live?.disconnect();
    await publisher?.endAsync();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it('lists a unit and its sensor, with default settings, once its first reading is stored', async () => {
    const first = await publish('BOILER1', 'temperature', 2981.5);
    await publish('BOILER1', 'pressure', 4.2);
    expect(await storedAt('BOILER1', 'temperature', first)).toMatchObject({ value: 2981.5, quality: 'GOOD' });

    const units = await eventually(async () => {
      const { status, body } = await api<Page<UnitJson>>('GET', '/api/v1/scada/units');
      expect(status).toBe(200);
      expect(body).toEqual({
        items: [expect.objectContaining({ unit_id: 'BOILER1', sensor_count: 2 })],
        total: 1,
        limit: 1000,
        next_cursor: null,
      });
      return body.items;
    });
    expect(units[0]).toEqual({
      unit_id: 'BOILER1',
      status: 'unknown',
      first_seen: expect.any(String),
      last_seen: expect.any(String),
      sensor_count: 2,
    });

    const { status, body: page } = await api<Page<SensorJson>>('GET', '/api/v1/scada/units/BOILER1/sensors');
    expect(status).toBe(200);
    expect(page).toMatchObject({ total: 2, limit: 1000, next_cursor: null });
    const body = page.items;
    expect(body.map((s) => s.sensor_type)).toEqual(['pressure', 'temperature']);
    const temperature = body[1];
    expect(temperature).toEqual({
      id: expect.any(Number),
      unit_id: 'BOILER1',
      sensor_type: 'temperature',
      display_name: null,
      engineering_unit: null,
      scale_factor: 1,
      offset: 0,
      valid_min: null,
      valid_max: null,
      kind: 'analog',
      states: null,
      // Not writable until an engineer gives it command settings (docs/commands.md).
      command: null,
      first_seen: expect.any(String),
      last_seen: expect.any(String),
      settings_updated_at: expect.any(String),
    });
    sensorId = temperature.id;
  });

  it('applies settings changed over REST to the very next reading, stored and pushed live', async () => {
    const { status, body } = await api('PATCH', `/api/v1/scada/sensors/${sensorId}`, KELVIN_TENTHS_TO_CELSIUS);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: sensorId,
      unit_id: 'BOILER1',
      sensor_type: 'temperature',
      ...KELVIN_TENTHS_TO_CELSIUS,
    });
    expect(await sensorOf('BOILER1', 'temperature')).toMatchObject(KELVIN_TENTHS_TO_CELSIUS);

    const timestamp = await publish('BOILER1', 'temperature', 2981.5);

    const pushed = await liveAt('temperature', timestamp);
    expect(pushed.quality).toBe('GOOD');
    expect(pushed.value).toBeCloseTo(25, 9);
    const row = await storedAt('BOILER1', 'temperature', timestamp);
    expect(row.quality).toBe('GOOD');
    expect(row.value).toBeCloseTo(25, 9);
    // Only that sensor changed: its neighbour on the same unit is stored as sent.
    const pressure = await publish('BOILER1', 'pressure', 4.2);
    expect(await storedAt('BOILER1', 'pressure', pressure)).toMatchObject({ value: 4.2, quality: 'GOOD' });
  });

  it('keeps a value outside the valid range, stored and pushed with quality BAD', async () => {
    const hot = await publish('BOILER1', 'temperature', 5000);
    const frozen = await publish('BOILER1', 'temperature', 0);

    const hotRow = await storedAt('BOILER1', 'temperature', hot);
    expect(hotRow.quality).toBe('BAD');
    expect(hotRow.value).toBeCloseTo(226.85, 9);
    expect(await storedAt('BOILER1', 'temperature', frozen)).toMatchObject({ value: -273.15, quality: 'BAD' });
    expect(await liveAt('temperature', hot)).toMatchObject({ quality: 'BAD' });

    // null removes a bound: the same hot value is plausible again.
    const { status, body } = await api('PATCH', `/api/v1/scada/sensors/${sensorId}`, { valid_max: null });
    expect(status).toBe(200);
    expect(body).toMatchObject({ valid_min: -50, valid_max: null, scale_factor: 0.1 });
    const again = await publish('BOILER1', 'temperature', 5000);
    expect(await storedAt('BOILER1', 'temperature', again)).toMatchObject({ quality: 'GOOD' });
  });

  it('moves last_seen of the sensor and of its unit when a reading is stored', async () => {
    // Earlier tests' readings may still have a coalesced last_seen update pending: wait until pressure's is settled
    // (unchanged across more than one interval), so any later change could only come from a new reading.
    const pressureBefore = await eventually(async () => {
      const first = await sensorOf('BOILER1', 'pressure');
      await new Promise((r) => setTimeout(r, LAST_SEEN_INTERVAL_MS * 3));
      const second = await sensorOf('BOILER1', 'pressure');
      expect(second.last_seen).toBe(first.last_seen);
      return second;
    });
    const before = await sensorOf('BOILER1', 'temperature');
    const unitBefore = (await api<Page<UnitJson>>('GET', '/api/v1/scada/units')).body.items[0];
    expect(Date.parse(before.last_seen)).toBeGreaterThanOrEqual(Date.parse(before.first_seen));
    expect(Date.parse(unitBefore.last_seen!)).toBeGreaterThanOrEqual(Date.parse(before.last_seen));

    await storedAt('BOILER1', 'temperature', await publish('BOILER1', 'temperature', 2990));

    const after = await eventually(async () => {
      const sensor = await sensorOf('BOILER1', 'temperature');
      expect(Date.parse(sensor.last_seen)).toBeGreaterThan(Date.parse(before.last_seen));
      return sensor;
    });
    const unitAfter = (await api<Page<UnitJson>>('GET', '/api/v1/scada/units')).body.items[0];
    expect(unitAfter.last_seen).toBe(after.last_seen);
    expect(unitAfter.first_seen).toBe(unitBefore.first_seen);
    // A sensor with no new reading keeps its last_seen.
    const pressure = await sensorOf('BOILER1', 'pressure');
    expect(pressure.last_seen).toBe(pressureBefore.last_seen);
    expect(Date.parse(pressure.last_seen)).toBeLessThan(Date.parse(after.last_seen));
  });

  it('refuses invalid settings with 400 and a message that says why, changing nothing', async () => {
    const path = `/api/v1/scada/sensors/${sensorId}`;
    const settingsBefore = await sensorOf('BOILER1', 'temperature');
    const cases: [unknown, string | string[]][] = [
      [{ valid_min: 10, valid_max: 5 }, 'valid_min (10) must be less than valid_max (5)'],
      [{ valid_min: 5, valid_max: 5 }, 'valid_min (5) must be less than valid_max (5)'],
      // Judged against the stored valid_min (-50).
      [{ valid_max: -60 }, 'valid_min (-50) must be less than valid_max (-60)'],
      [{ scale_factor: 0 }, ['scale_factor must not be 0: every reading would become the offset']],
      [{ scale_factor: null }, ['scale_factor must be a finite number']],
      [{ scale_factor: '0.1' }, ['scale_factor must be a finite number']],
      [{ offset: 'warm' }, ['offset must be a finite number']],
      [{ valid_min: 'low' }, ['valid_min must be a finite number or null']],
      [{ engineering_unit: '' }, ['engineering_unit must be 1-32 characters (null clears it)']],
      [{ display_name: 'x'.repeat(129) }, ['display_name must be 1-128 characters (null clears it)']],
      [{ unit_id: 'BOILER2' }, ['property unit_id should not exist']],
      [
        {},
        'Nothing to change: send at least one of scale_factor, offset, valid_min, valid_max, engineering_unit, display_name, kind, states',
      ],
    ];
    for (const [body, message] of cases) {
      const res = await api('PATCH', path, body);
      expect({ body, status: res.status, message: res.body.message }).toEqual({ body, status: 400, message });
    }
    // Numbers beyond a double do not survive JSON parsing as finite values.
    expect((await api('PATCH', path, '{"offset": 1e999}')).status).toBe(400);
    expect(await sensorOf('BOILER1', 'temperature')).toEqual(settingsBefore);
  });

  it('answers 404 for an unknown unit or sensor and 400 for a malformed id', async () => {
    expect(await api('GET', '/api/v1/scada/units/UNIT009/sensors')).toMatchObject({
      status: 404,
      body: { message: "Unknown unit 'UNIT009'" },
    });
    expect(await api('GET', '/api/v1/scada/units/BOILER%2E1/sensors')).toMatchObject({
      status: 400,
      body: { message: ['unit_id must be 1-64 letters, digits, _ or -'] },
    });
    expect(await api('PATCH', '/api/v1/scada/sensors/999999', { offset: 1 })).toMatchObject({
      status: 404,
      body: { message: 'Unknown sensor 999999' },
    });
    for (const id of ['abc', '1.5', '0', '-1', '99999999999']) {
      expect(await api('PATCH', `/api/v1/scada/sensors/${id}`, { offset: 1 })).toMatchObject({
        status: 400,
        body: { message: ['sensor id must be a whole number from 1 to 2147483647'] },
      });
    }
  });

  it('picks up settings another instance changed, without a restart', async () => {
    // What a PATCH through another instance behind the load balancer leaves in the shared table.
    await sql(
      `UPDATE sensors SET scale_factor = 2, "offset" = 0, valid_min = NULL, valid_max = NULL,
       settings_updated_at = clock_timestamp() WHERE id = ${sensorId}`,
    );
    // Each attempt publishes a fresh reading of 10 until one is stored as 20 (the refresh runs every few seconds).
    await eventually(
      async () => {
        const timestamp = await publish('BOILER1', 'temperature', 10);
        expect((await storedAt('BOILER1', 'temperature', timestamp)).value).toBe(20);
      },
      30_000,
      500,
    );
    expect(await sensorOf('BOILER1', 'temperature')).toMatchObject({ scale_factor: 2, offset: 0, valid_max: null });
  });

  it('keeps the settings across a restart', async () => {
    const { status } = await api('PATCH', `/api/v1/scada/sensors/${sensorId}`, { scale_factor: 0.5, offset: 1 });
    expect(status).toBe(200);
    await backend.stop();
    await backend.restart();
    await openDb();

    const timestamp = await publish('BOILER1', 'temperature', 10);
    expect(await storedAt('BOILER1', 'temperature', timestamp)).toMatchObject({ value: 6, quality: 'GOOD' });
  });

  it('pages the unit and sensor lists by keyset, refusing foreign cursors and page sizes out of range', async () => {
    for (const unit of ['AAA1', 'ZZZ9']) await storedAt(unit, 'level', await publish(unit, 'level', 1));
    const ids: string[] = [];
    let path = '/api/v1/scada/units?limit=2';
    for (;;) {
      const { status, body } = await api<Page<UnitJson>>('GET', path);
      expect(status).toBe(200);
      expect(body).toMatchObject({ total: 3, limit: 2 });
      expect(body.items.length).toBeLessThanOrEqual(2);
      ids.push(...body.items.map((u) => u.unit_id));
      if (body.next_cursor === null) break;
      path = `/api/v1/scada/units?limit=2&cursor=${body.next_cursor}`;
    }
    expect(ids).toEqual(['AAA1', 'BOILER1', 'ZZZ9']);

    const first = await api<Page<SensorJson>>('GET', '/api/v1/scada/units/BOILER1/sensors?limit=1');
    expect(first.body).toMatchObject({ total: 2, limit: 1, items: [{ sensor_type: 'pressure' }] });
    const second = await api<Page<SensorJson>>(
      'GET',
      `/api/v1/scada/units/BOILER1/sensors?limit=1&cursor=${first.body.next_cursor}`,
    );
    expect(second.body).toMatchObject({ items: [{ sensor_type: 'temperature' }], next_cursor: null });

    // A units cursor is not a sensors cursor, and made-up ones are refused too.
    const unitsCursor = (await api<Page<UnitJson>>('GET', '/api/v1/scada/units?limit=1')).body.next_cursor!;
    for (const path of [
      `/api/v1/scada/units/BOILER1/sensors?cursor=${unitsCursor}`,
      '/api/v1/scada/units?cursor=bm9wZQ',
      '/api/v1/scada/units?cursor=a%20b',
    ]) {
      expect(await api('GET', path)).toMatchObject({
        status: 400,
        body: { message: 'cursor is not one this API gave out; start again without it' },
      });
    }
    for (const limit of ['0', '1001', 'x'])
      expect((await api('GET', `/api/v1/scada/units?limit=${limit}`)).status).toBe(400);
  });

  it('documents the sensors API and counts no custom reading handlers in the stock build', async () => {
    const docs = await backend.getJson('/api/docs-json');
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/scada/units',
        '/api/v1/scada/units/{unit_id}/sensors',
        '/api/v1/scada/sensors/{id}',
      ]),
    );
    const health = await backend.getJson('/health');
    expect(health.realtime_processor).toMatchObject({ active_handlers: 0 });
    const status = await backend.getJson('/api/v1/scada/status');
    expect(status.pipeline).toMatchObject({ handler_errors: {} });
  });

  it('deletes the readings of a sensor deleted by SQL, and stores the next ones under a new sensor row', async () => {
    // sensor_readings has no foreign key (migration 1764000019000): a trigger on sensors does the cascade, and the
    // writer's statement finds the sensor its cache still names gone, creates it again and stores the readings.
    const idOf = async (sensorType: string): Promise<number | undefined> =>
      (
        await sql<{ id: number }>(`SELECT id FROM sensors WHERE unit_id = 'HEATER7' AND sensor_type = '${sensorType}'`)
      )[0]?.id;
    const countOf = async (where: string): Promise<number> =>
      (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${where}`))[0].n;
    /** Waits until exactly these readings of the sensor are stored (none lost, none extra). */
    const storedExactly = (sensorType: string, timestamps: string[]) =>
      eventually(async () =>
        expect((await stored('HEATER7', sensorType)).map((r) => r.time.toISOString())).toEqual(timestamps),
      );
    /**
     * No reading of the unit dead-lettered so far. The writer writes a step's dead letters before it takes the next
     * batch, so once a reading published after the others is stored, every earlier one is stored or dead-lettered.
     */
    const noDeadLetters = async (pressure: string[]) => {
      pressure.push(await publish('HEATER7', 'pressure', 9));
      await storedExactly('pressure', pressure);
      expect(await countOf(`reading_dead_letters WHERE unit_id = 'HEATER7'`)).toBe(0);
    };

    const before = [await publish('HEATER7', 'temperature', 60), await publish('HEATER7', 'temperature', 61)];
    const pressure = [await publish('HEATER7', 'pressure', 2)];
    await storedExactly('temperature', before);
    await storedExactly('pressure', pressure);
    const oldId = (await idOf('temperature'))!;
    const pressureId = (await idOf('pressure'))!;

    await sql(`DELETE FROM sensors WHERE unit_id = 'HEATER7' AND sensor_type = 'temperature'`);
    expect(await countOf(`sensor_readings WHERE sensor_id = ${oldId}`)).toBe(0);
    expect(await countOf(`sensor_readings WHERE sensor_id = ${pressureId}`)).toBe(1);

    const after = [await publish('HEATER7', 'temperature', 62), await publish('HEATER7', 'temperature', 63)];
    pressure.push(await publish('HEATER7', 'pressure', 3));
    await storedExactly('temperature', after);
    await noDeadLetters(pressure);
    const newId = await idOf('temperature');
    expect(newId).toBeDefined();
    expect(newId).not.toBe(oldId);
    expect(await countOf(`sensor_readings WHERE sensor_id = ${oldId}`)).toBe(0);
    expect(await countOf(`sensor_readings WHERE sensor_id = ${newId}`)).toBe(after.length);

    // Deleting the unit takes its sensors (their foreign key) and so their readings (the trigger).
    await sql(`DELETE FROM units WHERE id = 'HEATER7'`);
    expect(await countOf(`sensors WHERE unit_id = 'HEATER7'`)).toBe(0);
    expect(await countOf(`sensor_readings WHERE sensor_id IN (${newId}, ${pressureId})`)).toBe(0);
    // And the unit comes back with its next readings.
    const again = [await publish('HEATER7', 'temperature', 64)];
    await storedExactly('temperature', again);
    await noDeadLetters([]);
    await sql(`DELETE FROM units WHERE id = 'HEATER7'`);
  });
});
