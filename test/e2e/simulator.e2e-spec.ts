import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher, connectSocket, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

const UNITS = ['UNIT001', 'UNIT002', 'UNIT003', 'UNIT004', 'UNIT005'];
const SENSORS = ['temperature', 'pressure', 'flow_rate', 'power'];
/** The documented normal-operation ranges (docs/simulator.md, issue 7). */
const RANGES: Record<string, [number, number]> = {
  temperature: [-10, 40],
  pressure: [0.5, 8],
  flow_rate: [50, 300],
  power: [30, 120],
};
const INTERVAL_MS = 250;

/** No random faults, outages or maintenance: what the documented ranges describe, and what makes counts exact. */
const QUIET = {
  SIMULATOR_BAD_QUALITY_PROBABILITY: '0',
  SIMULATOR_UNCERTAIN_QUALITY_PROBABILITY: '0',
  SIMULATOR_OUTLIER_PROBABILITY: '0',
  SIMULATOR_OUTAGE_INTERVAL_S: '0',
  SIMULATOR_MAINTENANCE_INTERVAL_S: '0',
};

/** A message the simulator published, as a subscriber to the broker saw it. */
interface Published {
  unitId: string;
  sensor: string;
  value?: number;
  quality?: string;
  status?: string;
  timestamp: string;
}

interface Api {
  status: number;
  body: any;
}

/**
 * The simulator as a user meets it: started and steered over REST, its readings arriving over the real MQTT path
 * in the database and in Socket.IO rooms, scenarios that revert by themselves, and runs that repeat with a seed.
 */
describe(`simulator end to end (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client;
  let listener: MqttClient;
  let socket: Socket;
  /** Everything published under the test's prefix since the listener subscribed. */
  const published: Published[] = [];
  const live = new Map<string, { sensor_type: string; value: number }[]>();

  beforeAll(async () => {
    target = await createTarget('simulator');
    backend = await BackendProcess.start({ env: { ...target.env, ...QUIET } });
    db = await connectDb(target.databaseUrl);
    listener = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${target.topicPrefix}_listen` });
    listener.on('message', (topic, payload) => {
      const [, unitId, sensor] = topic.split('/');
      published.push({ unitId, sensor, ...(JSON.parse(payload.toString()) as object) } as Published);
    });
    await listener.subscribeAsync(`${target.topicPrefix}/#`, { qos: 0 });
    socket = await connectSocket(backend.url, backend.token);
    socket.on('sensor_data', (event: { unit_id: string; readings: { sensor_type: string; value: number }[] }) => {
      live.set(event.unit_id, [...(live.get(event.unit_id) ?? []), ...event.readings]);
    });
    // The simulator has not published yet: the gateway accepts units it has never seen.
    for (const unit_id of UNITS)
      expect(await request(socket, 'subscribe_unit', { unit_id })).toMatchObject({ ok: true });
  });

  afterAll(async () => {
    socket?.disconnect();
    await listener?.endAsync();
    await db?.end();
    await backend?.stop();
    await target?.dispose();
  });

  async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Api> {
    const reply = await backend.request(method, `/api/v1/scada/simulator${path}`, body);
    return { status: reply.status, body: reply.body };
  }

  /**
   * SQL with literal values only: the embedded database runs every connection in one session, so a parameterised
   * statement could be split by the backend's own statements between its parse and bind steps.
   */
  async function sql<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
    return (await db.query<R>(text)).rows;
  }

  /** Stored readings of one unit and sensor stamped in [from, to). */
  async function storedBetween(unitId: string, sensor: string, from: string, to = 'infinity'): Promise<number[]> {
    const rows = await sql<{ value: number }>(
      `SELECT r.value FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
       WHERE s.unit_id = '${unitId}' AND s.sensor_type = '${sensor}'
         AND r.time >= '${from}'::timestamptz AND r.time < '${to}'::timestamptz ORDER BY r.time`,
    );
    return rows.map((r) => r.value);
  }

  it('lists its scenarios with the alarm each should raise, and is stopped until asked', async () => {
    const scenarios = await api('GET', '/scenarios');
    expect(scenarios.status).toBe(200);
    const listed = scenarios.body as { name: string; expected_alarm: unknown }[];
    expect(listed.map((s) => s.name)).toEqual([
      'high_temperature',
      'pressure_spike',
      'pressure_loss',
      'flow_blockage',
      'power_surge',
      'sensor_failure',
      'stuck_value',
      'drift',
      'communication_loss',
      'unit_offline',
    ]);
    expect(listed[0]).toMatchObject({
      name: 'high_temperature',
      expected_alarm: { kind: 'threshold', sensor: 'temperature', direction: 'above', limit: 85, default_rule: true },
      default_duration_s: 300,
    });
    expect(listed.find((s) => s.name === 'communication_loss')?.expected_alarm).toEqual({
      kind: 'stale_data',
    });

    const status = await api('GET', '/status');
    expect(status.body).toMatchObject({ running: false, connected: false, units: 5, interval_ms: 1000 });
    expect((await backend.getJson('/health')).protocol_simulator).toEqual({
      connected: false,
      running: false,
      simulation_units: 0,
    });
  });

  it('refuses settings out of range, unknown fields, and scenarios while stopped, saying what to change', async () => {
    const cases: [unknown, string][] = [
      [{ units: 0 }, 'units must not be less than 1'],
      [{ units: 10_001 }, 'units must not be greater than 10000'],
      [{ interval_ms: 5 }, 'interval_ms must not be less than 10'],
      [{ rate: 50_000 }, 'ask for at least 125 units'],
      [{ interval_ms: 100, rate: 100 }, 'Give interval_ms or rate, not both'],
      [{ seed: 1.5 }, 'seed must be a whole number'],
      [{ colour: 'red' }, 'property colour should not exist'],
    ];
    for (const [body, message] of cases) {
      const res = await api('POST', '/start', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(JSON.stringify(res.body.message)).toContain(message);
    }
    const inject = await api('POST', '/inject', { scenario: 'high_temperature', unit_id: 'UNIT001' });
    expect(inject.status).toBe(409);
    expect(inject.body.message).toContain('POST /api/v1/scada/simulator/start first');
    expect((await api('GET', '/status')).body.running).toBe(false);
  });

  it('once started, stores readings of all five units and four sensors inside the documented ranges, and streams them live', async () => {
    const start = await api('POST', '/start', { interval_ms: INTERVAL_MS, seed: 7 });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({
      running: true,
      connected: true,
      units: 5,
      interval_ms: INTERVAL_MS,
      qos: 0,
      seed: 7,
      rate: { target: (5 * 4 * 1000) / INTERVAL_MS },
    });

    const stored = await eventually(async () => {
      const rows = await sql<{ unit_id: string; sensor_type: string; n: number; lo: number; hi: number; bad: number }>(
        `SELECT s.unit_id, s.sensor_type, count(*)::int AS n, min(r.value) AS lo, max(r.value) AS hi,
                count(*) FILTER (WHERE r.quality <> 'GOOD')::int AS bad
         FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id GROUP BY 1, 2 ORDER BY 1, 2`,
      );
      expect(rows.map((r) => `${r.unit_id}/${r.sensor_type}`).sort()).toEqual(
        UNITS.flatMap((u) => SENSORS.map((s) => `${u}/${s}`)).sort(),
      );
      return rows;
    }, 10_000);
    for (const row of stored) {
      const [min, max] = RANGES[row.sensor_type];
      expect({ ...row, inRange: row.lo >= min && row.hi <= max }).toMatchObject({ inRange: true, bad: 0 });
    }

    await eventually(() => {
      for (const unit of UNITS) {
        const readings = live.get(unit) ?? [];
        expect({ unit, sensors: [...new Set(readings.map((r) => r.sensor_type))].sort() }).toEqual({
          unit,
          sensors: [...SENSORS].sort(),
        });
        for (const r of readings) {
          const [min, max] = RANGES[r.sensor_type];
          expect(r.value >= min && r.value <= max).toBe(true);
        }
      }
    }, 10_000);

    await eventually(async () => {
      expect((await backend.getJson('/health')).protocol_simulator).toEqual({
        connected: true,
        running: true,
        simulation_units: 5,
      });
      const status = (await api('GET', '/status')).body;
      expect(status.readings_published).toBeGreaterThan(0);
      expect(status.messages_published).toBe(status.readings_published + status.status_messages_published);
      expect(status.rate.achieved).toBeGreaterThan(0);
    });
    // Each unit announces itself online on its status topic before its first readings.
    expect(published.filter((m) => m.sensor === 'status').map((m) => [m.unitId, m.status])).toEqual(
      expect.arrayContaining(UNITS.map((u) => [u, 'online'])),
    );

    const again = await api('POST', '/start', {});
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('stop first');
  });

  it('refuses unknown scenarios (400) and unknown units (404) with what is known', async () => {
    const unknownScenario = await api('POST', '/inject', { scenario: 'meltdown', unit_id: 'UNIT001' });
    expect(unknownScenario.status).toBe(400);
    expect(unknownScenario.body.message).toEqual([
      expect.stringContaining('scenario must be one of: high_temperature'),
    ]);

    const unknownUnit = await api('POST', '/inject', { scenario: 'high_temperature', unit_id: 'UNIT009' });
    expect(unknownUnit.status).toBe(404);
    expect(unknownUnit.body.message).toBe("Unknown unit 'UNIT009': the simulator runs UNIT001 to UNIT005");

    for (const [body, message] of [
      [{ scenario: 'drift', unit_id: 'UNIT001', duration_s: 0 }, 'duration_s must not be less than 1'],
      [{ scenario: 'drift', unit_id: 'UNIT001', sensor: 'voltage' }, 'sensor must be one of'],
      [{ scenario: 'high_temperature', unit_id: 'UNIT001', sensor: 'power' }, 'takes no sensor'],
      [{ scenario: 'drift', unit_id: '../etc' }, 'unit_id must be'],
    ] as const) {
      const res = await api('POST', '/inject', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(JSON.stringify(res.body.message)).toContain(message);
    }
    expect((await api('GET', '/status')).body.active_scenarios).toEqual([]);
  });

  it('injects high_temperature on UNIT001: readings above 85 °C arrive, the default alarm is raised, then the scenario reverts by itself', async () => {
    const inject = await api('POST', '/inject', { scenario: 'high_temperature', unit_id: 'UNIT001', duration_s: 8 });
    expect(inject.status).toBe(201);
    expect(inject.body).toMatchObject({ unit_id: 'UNIT001', scenario: 'high_temperature', sensor: 'temperature' });
    const { started_at, ends_at } = inject.body as { started_at: string; ends_at: string };
    expect(Date.parse(ends_at) - Date.parse(started_at)).toBe(8000);
    expect((await api('GET', '/status')).body.active_scenarios).toEqual([inject.body]);

    await eventually(async () => {
      const hot = (await storedBetween('UNIT001', 'temperature', started_at, ends_at)).filter((v) => v > 85);
      expect(hot.length).toBeGreaterThan(0);
    }, 15_000);
    await eventually(() => {
      expect((live.get('UNIT001') ?? []).some((r) => r.sensor_type === 'temperature' && r.value > 85)).toBe(true);
    });
    // The seeded default rule (temperature > 85 → critical) raises one alarm for the unit.
    await eventually(async () => {
      const open = await backend.getJson<{ unit_id: string; sensor_type: string; severity: string }[]>(
        '/api/v1/scada/alerts?unit_id=UNIT001',
      );
      expect(open.filter((a) => a.sensor_type === 'temperature')).toEqual([
        expect.objectContaining({ unit_id: 'UNIT001', severity: 'critical' }),
      ]);
    });
    // The other units carry on as normal meanwhile.
    expect(Math.max(...(await storedBetween('UNIT002', 'temperature', started_at)))).toBeLessThanOrEqual(40);

    await eventually(async () => {
      expect((await api('GET', '/status')).body.active_scenarios).toEqual([]);
      const after = await storedBetween('UNIT001', 'temperature', ends_at);
      expect(after.length).toBeGreaterThan(0);
      expect(Math.max(...after)).toBeLessThanOrEqual(40);
    }, 20_000);
  });

  it('injects communication_loss on UNIT003: nothing from that unit for its duration, the others carry on', async () => {
    const inject = await api('POST', '/inject', { scenario: 'communication_loss', unit_id: 'UNIT003', duration_s: 3 });
    expect(inject.status).toBe(201);
    const { started_at, ends_at } = inject.body as { started_at: string; ends_at: string };

    // Wait until UNIT003 is heard again after the scenario: everything stamped inside it has been written by then.
    await eventually(async () => {
      expect((await storedBetween('UNIT003', 'power', ends_at)).length).toBeGreaterThan(0);
    }, 15_000);
    for (const sensor of SENSORS) {
      expect({ sensor, silent: await storedBetween('UNIT003', sensor, started_at, ends_at) }).toEqual({
        sensor,
        silent: [],
      });
      expect((await storedBetween('UNIT002', sensor, started_at, ends_at)).length).toBeGreaterThan(0);
    }
    const window = published.filter((m) => m.timestamp >= started_at && m.timestamp < ends_at);
    expect(window.filter((m) => m.unitId === 'UNIT003')).toEqual([]);
    expect(window.filter((m) => m.unitId === 'UNIT004').length).toBeGreaterThan(0);
  });

  it('stops publishing when stopped', async () => {
    const stop = await api('POST', '/stop');
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({ running: false, connected: false, rate: { achieved: 0 } });
    const lastTick = stop.body.last_tick_at as string;
    expect(typeof lastTick).toBe('string');
    expect((await backend.getJson('/health')).protocol_simulator).toEqual({
      connected: false,
      running: false,
      simulation_units: 0,
    });

    // Absence can only be seen over time: give it four ticks' worth. Messages already on their way carry a
    // timestamp no later than the last tick, so they do not count against it.
    await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
    expect(published.filter((m) => m.timestamp > lastTick)).toEqual([]);
    const [late] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM sensor_readings WHERE time > '${lastTick}'::timestamptz`,
    );
    expect(late.n).toBe(0);
    expect((await api('POST', '/stop')).status).toBe(200);
  });

  it('registers its sensors with engineering units and display names, and keeps what an engineer changed', async () => {
    const sensorsOf = async (unit: string) =>
      (
        await backend.getJson<{
          items: { id: number; sensor_type: string; engineering_unit: string | null; display_name: string | null }[];
        }>(`/api/v1/scada/units/${unit}/sensors`)
      ).items;
    for (const unit of UNITS) {
      expect((await sensorsOf(unit)).map((s) => [s.sensor_type, s.engineering_unit, s.display_name])).toEqual([
        ['flow_rate', 'L/min', 'Flow rate'],
        ['power', 'kW', 'Pump power'],
        ['pressure', 'bar', 'Supply pressure'],
        ['pump', null, 'Pump'],
        ['temperature', '°C', 'Process temperature'],
        ['temperature_setpoint', '°C', 'Temperature setpoint'],
      ]);
    }
    const temperature = (await sensorsOf('UNIT002')).find((s) => s.sensor_type === 'temperature')!;
    expect(
      (await backend.request('PATCH', `/api/v1/scada/sensors/${temperature.id}`, { engineering_unit: 'K' })).status,
    ).toBe(200);
    // A new run of a larger plant labels its new units, and leaves the engineer's unit of measure alone.
    expect((await api('POST', '/start', { units: 6, interval_ms: INTERVAL_MS })).status).toBe(200);
    expect((await api('POST', '/stop')).status).toBe(200);
    expect((await sensorsOf('UNIT002')).find((s) => s.sensor_type === 'temperature')).toMatchObject({
      engineering_unit: 'K',
      display_name: 'Process temperature',
    });
    expect((await sensorsOf('UNIT006')).map((s) => s.engineering_unit)).toEqual([
      'L/min',
      'kW',
      'bar',
      null,
      '°C',
      '°C',
    ]);
  });

  it('repeats a run tick for tick with the same seed, and not with another', async () => {
    /** The readings of a run's first ticks, as the broker delivered them: one sorted list per tick. */
    async function firstTicks(seed: string | number, ticks = 3): Promise<string[][]> {
      const start = await api('POST', '/start', { interval_ms: INTERVAL_MS, seed });
      expect(start.status).toBe(200);
      const since = start.body.started_at as string;
      const byTick = await eventually(() => {
        const grouped = new Map<string, string[]>();
        for (const m of published) {
          if (m.timestamp < since || m.sensor === 'status') continue;
          grouped.set(m.timestamp, [
            ...(grouped.get(m.timestamp) ?? []),
            `${m.unitId}/${m.sensor}=${m.value} ${m.quality}`,
          ]);
        }
        const complete = [...grouped.keys()].sort().slice(0, ticks);
        expect(complete.map((t) => grouped.get(t)!.length)).toEqual(Array(ticks).fill(20));
        return complete.map((t) => grouped.get(t)!.sort());
      }, 10_000);
      expect((await api('POST', '/stop')).body.ticks).toMatchObject({ skipped_late: 0 });
      return byTick;
    }

    const first = await firstTicks('repeatable');
    const second = await firstTicks('repeatable');
    expect(second).toEqual(first);
    expect(await firstTicks('another')).not.toEqual(first);
  });

  it('obeys commands: a setpoint and the pump confirmed by ack and readback, the process follows, its range holds', async () => {
    const commandsPath = (unit: string, point: string) => `/api/v1/scada/units/${unit}/sensors/${point}/commands`;
    /** Issues a command over REST and waits for its outcome. */
    async function command(unit: string, point: string, value: number | boolean): Promise<any> {
      const issued = await backend.request('POST', commandsPath(unit, point), { value, comment: 'e2e' });
      expect({ status: issued.status, body: issued.body }).toMatchObject({ status: 202 });
      return await eventually(async () => {
        const found = await backend.getJson<{ state: string }>(`/api/v1/scada/commands/${issued.body.id as string}`);
        expect(['confirmed', 'rejected', 'timed_out', 'failed']).toContain(found.state);
        return found;
      }, 15_000);
    }

    // Declared writable at its first start, audited as the simulator, with both confirmations required.
    const sensors = await backend.getJson<{
      items: { id: number; sensor_type: string; command: { confirmation: string } | null }[];
    }>(`/api/v1/scada/units/UNIT001/sensors`);
    const writable = sensors.items.filter((s) => s.command !== null);
    expect(writable.map((s) => [s.sensor_type, s.command?.confirmation])).toEqual([
      ['pump', 'both'],
      ['temperature_setpoint', 'both'],
    ]);
    const [declared] = await sql<{ actor: string; result: string }>(
      `SELECT actor, result FROM audit_log WHERE action = 'command_settings.declare' ORDER BY at LIMIT 1`,
    );
    expect(declared).toEqual({ actor: 'simulator', result: 'ok' });

    const start = await api('POST', '/start', { interval_ms: INTERVAL_MS });
    expect(start.status).toBe(200);
    // A unit answers once it reports: wait for UNIT001's readings of this run.
    await eventually(async () => {
      expect((await storedBetween('UNIT001', 'flow_rate', start.body.started_at as string)).length).toBeGreaterThan(0);
    }, 10_000);

    const setpoint = await command('UNIT001', 'temperature_setpoint', 30);
    expect(setpoint).toMatchObject({ state: 'confirmed', value: 30 });
    const off = await command('UNIT001', 'pump', false);
    expect(off).toMatchObject({ state: 'confirmed', value: 0 });
    // The process follows: the flow of a stopped pump runs down within seconds, far below its normal range.
    await eventually(async () => {
      const flows = await storedBetween('UNIT001', 'flow_rate', off.finished_at as string);
      expect(flows.at(-1)).toBeLessThan(20);
    }, 10_000);
    expect(await command('UNIT001', 'pump', true)).toMatchObject({ state: 'confirmed', value: 1 });

    // Limits widened beyond what the unit takes: the unit itself rejects, with its reason.
    const unit2 = (
      await backend.getJson<{ items: { id: number; sensor_type: string; command: any }[] }>(
        `/api/v1/scada/units/UNIT002/sensors`,
      )
    ).items.find((s) => s.sensor_type === 'temperature_setpoint')!;
    const widened = { ...unit2.command, max: 80 };
    expect((await backend.request('PUT', `/api/v1/scada/sensors/${unit2.id}/command-settings`, widened)).status).toBe(
      200,
    );
    expect(await command('UNIT002', 'temperature_setpoint', 60)).toMatchObject({
      state: 'rejected',
      reason: "setpoint 60 °C is outside the unit's range 0 to 35 °C",
    });
    expect((await api('POST', '/stop')).body.commands).toEqual({
      accepted: 3,
      rejected: 1,
      expired: 0,
      malformed: 0,
      unanswered: 0,
    });
  });
});

/** The default: live data at once with the embedded broker, nothing unasked against an external one. */
describe(`simulator autostart (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;

  beforeAll(async () => {
    target = await createTarget('simulator_auto');
    backend = await BackendProcess.start({ env: { ...target.env, SIMULATOR_AUTOSTART: 'auto' } });
  });

  afterAll(async () => {
    await backend?.stop();
    await target?.dispose();
  });

  const embedded = TARGET === 'embedded';
  it(embedded ? 'starts by itself on the embedded broker' : 'stays stopped against an external broker', async () => {
    if (embedded) {
      await eventually(async () => {
        const status = await backend.getJson('/api/v1/scada/simulator/status');
        expect(status).toMatchObject({ running: true, connected: true, units: 5 });
        expect((await backend.getJson('/api/v1/scada/status')).pipeline.stored).toBeGreaterThan(0);
      }, 15_000);
    } else {
      expect(await backend.getJson('/api/v1/scada/simulator/status')).toMatchObject({ running: false });
      expect((await backend.getJson('/health')).protocol_simulator).toMatchObject({ running: false });
    }
  });
});
