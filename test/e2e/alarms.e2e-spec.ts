import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import type { SystemAlert } from '../../src/alerts/alerts.events.js';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher, connectSocket, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

/** The parts of REST bodies these tests read. */
interface RuleBody {
  id: string;
  sensor_type: string;
  enabled: boolean;
}
interface AlarmBody {
  id: string;
  state: string;
}
interface EventBody {
  action: string;
  actor: string | null;
  comment: string | null;
}

/** What a REST call answered. */
interface Answer<T = any> {
  status: number;
  body: T;
}

/** The alarm engine as an operator meets it: MQTT readings in, system_alert out, REST to act, rows in the database. */
describe(`alarms end to end (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client | undefined;
  const sockets: Socket[] = [];
  /** system_alert events seen by a client subscribed to UNIT001's room, and by one subscribed to nothing. */
  let member: SystemAlert[];
  let bystander: SystemAlert[];
  let temperatureRuleId: string;

  async function openDb(): Promise<pg.Client> {
    await db?.end().catch(() => undefined);
    const client = await connectDb(target.databaseUrl);
    client.on('error', () => undefined); // the embedded database dies with a killed backend; openDb replaces it
    db = client;
    return client;
  }

  /**
   * SQL without parameters: the embedded database runs every connection in one session, so a parameterised query
   * (parse, bind, execute) could be spliced into the backend's. Values here are test constants.
   */
  async function sql<R extends pg.QueryResultRow = any>(text: string): Promise<R[]> {
    return (await db!.query<R>(text)).rows;
  }

  /** Keys named after the people acting: the alarm history records the authenticated caller's name. */
  const actorKeys = new Map<string, Promise<string>>();
  function keyOf(actor: string): Promise<string> {
    const role = actor.startsWith('engineer') ? 'engineer' : 'operator';
    if (!actorKeys.has(actor)) actorKeys.set(actor, backend.createKey(role, { name: actor }));
    return actorKeys.get(actor)!;
  }

  /** A call as the harness's admin, or as the named actor (an operator, or an engineer for `engineer-*`). */
  async function api<T = any>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    actor?: string,
  ): Promise<Answer<T>> {
    const headers: Record<string, string> =
      actor === undefined ? {} : { authorization: `Bearer ${await keyOf(actor)}` };
    const reply = await backend.request<T>(method, `/api/v1/scada/alerts${path}`, body, headers);
    return { status: reply.status, body: reply.body };
  }

  async function publish(unitId: string, sensorType: string, ...values: number[]): Promise<void> {
    for (const value of values) {
      await publisher.publishAsync(`${target.topicPrefix}/${unitId}/${sensorType}`, String(value), { qos: 1 });
    }
  }

  /** Waits until this many readings of the sensor are stored: by then the alarm engine has evaluated them too. */
  async function untilStored(unitId: string, sensorType: string, count: number): Promise<void> {
    await eventually(
      async () => {
        const [row] = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
           WHERE s.unit_id = '${unitId}' AND s.sensor_type = '${sensorType}'`,
        );
        expect(row.n).toBe(count);
      },
      30_000,
      100,
    );
  }

  async function listen(subscribeTo?: string): Promise<SystemAlert[]> {
    const socket = await connectSocket(backend.url, backend.token);
    sockets.push(socket);
    const seen: SystemAlert[] = [];
    socket.on('system_alert', (alert: SystemAlert) => seen.push(alert));
    if (subscribeTo !== undefined) {
      // The gateway refuses units it has never seen; this one may not have reported yet.
      await registerUnits(target.databaseUrl, [subscribeTo]);
      expect(await request(socket, 'subscribe_unit', { unit_id: subscribeTo })).toMatchObject({
        ok: true,
        unit_id: subscribeTo,
      });
    }
    return seen;
  }

  const of = (seen: SystemAlert[], unitId: string, sensorType: string) =>
    seen.filter((a) => a.unit_id === unitId && a.sensor_type === sensorType);
  const states = (seen: SystemAlert[], unitId: string, sensorType: string) =>
    of(seen, unitId, sensorType).map((a) => `${a.action}:${a.state}`);

  async function alarmRows(unitId: string, sensorType: string) {
    return sql<{ id: string; state: string }>(
      `SELECT id, state FROM alarms WHERE unit_id = '${unitId}' AND sensor_type = '${sensorType}' ORDER BY raised_at`,
    );
  }

  async function eventRows(alarmId: string) {
    return sql<{ action: string; to_state: string; actor: string | null; comment: string | null }>(
      `SELECT action, to_state, actor, comment FROM alarm_events WHERE alarm_id = '${alarmId}' ORDER BY id`,
    );
  }

  beforeAll(async () => {
    target = await createTarget('alarms');
    backend = await BackendProcess.start({ env: target.env });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${target.topicPrefix}_pub` });
    await openDb();
    member = await listen('UNIT001');
    bystander = await listen();
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await publisher?.endAsync();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it("seeds the three default rules on first start, the seed's high-temperature rule among them", async () => {
    const { status, body: rules } = await api<RuleBody[]>('GET', '/rules');
    expect(status).toBe(200);
    expect(rules.map((r) => r.sensor_type)).toEqual(['temperature', 'pressure', 'flow_rate']);
    expect(rules[0]).toMatchObject({
      condition: 'greater_than',
      threshold: 85,
      severity: 'critical',
      message: 'High temperature alert: {value}°C',
      unit_id: null,
      enabled: true,
    });
    temperatureRuleId = rules[0].id;
  });

  it('raises exactly one alarm for temperature 90 on UNIT001, and nothing new for 100 more readings above 85', async () => {
    await publish('UNIT001', 'temperature', 90);
    const expected = {
      rule_id: temperatureRuleId,
      unit_id: 'UNIT001',
      sensor_type: 'temperature',
      severity: 'critical',
      state: 'active_unacknowledged',
      action: 'raise',
      message: 'High temperature alert: 90°C',
      value: 90,
      threshold: 85,
      acknowledged_at: null,
      cleared_at: null,
    };
    await eventually(() => expect(of(member, 'UNIT001', 'temperature')).toEqual([expect.objectContaining(expected)]));
    await eventually(() =>
      expect(of(bystander, 'UNIT001', 'temperature')).toEqual([expect.objectContaining(expected)]),
    );
    const [alert] = of(member, 'UNIT001', 'temperature');
    expect(Number.isNaN(Date.parse(alert.raised_at))).toBe(false);

    await publish('UNIT001', 'temperature', ...Array.from({ length: 100 }, (_, i) => 86 + (i % 10)));
    await untilStored('UNIT001', 'temperature', 101);
    await eventually(async () => expect(await alarmRows('UNIT001', 'temperature')).toHaveLength(1));
    expect(await alarmRows('UNIT001', 'temperature')).toEqual([{ id: alert.id, state: 'active_unacknowledged' }]);
    expect((await eventRows(alert.id)).map((e) => e.action)).toEqual(['raise']);
    const open = await api('GET', '/?unit_id=UNIT001');
    expect(open.body).toEqual([expect.objectContaining({ id: alert.id, state: 'active_unacknowledged', value: 90 })]);
  });

  it('acknowledges over REST: a second event with state acknowledged, the actor and comment stored', async () => {
    const [alert] = of(member, 'UNIT001', 'temperature');
    const ack = await api('POST', `/${alert.id}/acknowledge`, { comment: 'Cooling pump restarted' }, 'operator-7');
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ id: alert.id, state: 'active_acknowledged', acknowledged_by: 'operator-7' });

    // Events arrive in order on a connection: had any of the 100 readings raised again, it would show up here.
    for (const seen of [member, bystander]) {
      await eventually(() =>
        expect(states(seen, 'UNIT001', 'temperature')).toEqual([
          'raise:active_unacknowledged',
          'acknowledge:active_acknowledged',
        ]),
      );
    }
    expect(of(member, 'UNIT001', 'temperature')[1].acknowledged_at).toBe(ack.body.acknowledged_at);
    expect(await eventRows(alert.id)).toEqual([
      { action: 'raise', to_state: 'active_unacknowledged', actor: null, comment: null },
      {
        action: 'acknowledge',
        to_state: 'active_acknowledged',
        actor: 'operator-7',
        comment: 'Cooling pump restarted',
      },
    ]);

    const again = await api('POST', `/${alert.id}/acknowledge`, {});
    expect(again.status).toBe(409);
    expect(again.body.message).toBe(`Alarm ${alert.id} is already acknowledged`);
  });

  it('clears only below the threshold minus the deadband (85 − 2)', async () => {
    const [alert] = of(member, 'UNIT001', 'temperature');
    await publish('UNIT001', 'temperature', 84, 83.5, 82);
    await eventually(() =>
      expect(states(member, 'UNIT001', 'temperature')).toEqual([
        'raise:active_unacknowledged',
        'acknowledge:active_acknowledged',
        'clear:cleared',
      ]),
    );
    const cleared = of(member, 'UNIT001', 'temperature')[2];
    expect(cleared).toMatchObject({ id: alert.id, value: 82 });
    expect(Number.isNaN(Date.parse(cleared.cleared_at!))).toBe(false);
    expect(of(bystander, 'UNIT001', 'temperature')).toHaveLength(3);

    expect((await api('GET', '/?unit_id=UNIT001')).body).toEqual([]);
    await eventually(async () =>
      expect(await alarmRows('UNIT001', 'temperature')).toEqual([{ id: alert.id, state: 'cleared' }]),
    );
    const history = await api('GET', '/history?unit_id=UNIT001');
    expect(history.body).toMatchObject({ total: 1, items: [{ id: alert.id, state: 'cleared' }] });
    const closed = await api('POST', `/${alert.id}/acknowledge`, {});
    expect(closed.status).toBe(409);
    expect(closed.body.message).toBe(`Alarm ${alert.id} is closed`);
  });

  it('raises a no_data alarm when a sensor goes silent, from a rule created over REST', async () => {
    const created = await api(
      'POST',
      '/rules',
      {
        sensor_type: 'heartbeat',
        condition: 'no_data',
        threshold: 2,
        severity: 'warning',
        message: '{unit_id} {sensor_type} silent for more than {threshold} s',
      },
      'engineer-1',
    );
    expect(created.status).toBe(201);
    await publish('UNIT002', 'heartbeat', 1);

    await eventually(
      () =>
        expect(of(member, 'UNIT002', 'heartbeat')).toEqual([
          expect.objectContaining({
            rule_id: created.body.id,
            state: 'active_unacknowledged',
            severity: 'warning',
            message: 'UNIT002 heartbeat silent for more than 2 s',
          }),
        ]),
      20_000,
    );
    await publish('UNIT002', 'heartbeat', 1);
    await eventually(() =>
      expect(states(member, 'UNIT002', 'heartbeat')).toEqual([
        'raise:active_unacknowledged',
        'clear:cleared_unacknowledged',
      ]),
    );
  });

  it('takes rule changes at once: disabling closes the alarms, re-enabling evaluates again, deleting keeps history', async () => {
    const healthBefore = await backend.getJson('/health');
    const levelRule = {
      sensor_type: 'level',
      unit_id: 'UNIT004',
      condition: 'greater_than',
      threshold: 10,
      severity: 'high',
      message: 'Level {value} on {unit_id}',
    };
    const created = await api('POST', '/rules', levelRule);
    expect(created.status).toBe(201);
    const ruleId: string = created.body.id;
    expect((await backend.getJson('/health')).realtime_processor.alert_rules).toBe(
      healthBefore.realtime_processor.alert_rules + 1,
    );

    await publish('UNIT005', 'level', 20); // another unit: outside the rule's scope
    await publish('UNIT004', 'level', 20);
    await eventually(() => expect(states(member, 'UNIT004', 'level')).toEqual(['raise:active_unacknowledged']));
    const first = of(member, 'UNIT004', 'level')[0];

    const disabled = await api('PATCH', `/rules/${ruleId}`, { enabled: false }, 'engineer-1');
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: ruleId, enabled: false, threshold: 10 });
    await eventually(() =>
      expect(states(member, 'UNIT004', 'level')).toEqual(['raise:active_unacknowledged', 'disable:cleared']),
    );
    expect((await api('GET', '/?unit_id=UNIT004')).body).toEqual([]);
    await eventually(async () =>
      expect((await eventRows(first.id)).at(-1)).toEqual({
        action: 'disable',
        to_state: 'cleared',
        actor: 'engineer-1',
        comment: 'rule disabled',
      }),
    );

    await publish('UNIT004', 'level', 30);
    await untilStored('UNIT004', 'level', 2);
    // PUT replaces the whole rule: enabled (absent) is back to its default, true.
    const replaced = await api('PUT', `/rules/${ruleId}`, { ...levelRule, threshold: 25 });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ enabled: true, threshold: 25 });
    await publish('UNIT004', 'level', 31);
    await eventually(() =>
      expect(states(member, 'UNIT004', 'level')).toEqual([
        'raise:active_unacknowledged',
        'disable:cleared',
        'raise:active_unacknowledged',
      ]),
    );
    const second = of(member, 'UNIT004', 'level')[2];
    expect(second).toMatchObject({ value: 31, threshold: 25, message: 'Level 31 on UNIT004' });
    expect(second.id).not.toBe(first.id);

    const shelved = await api(
      'POST',
      `/${second.id}/shelve`,
      { minutes: 30, reason: 'Level probe being cleaned' },
      'operator-7',
    );
    expect(shelved.status).toBe(200);
    expect(Date.parse(shelved.body.shelved_until) - Date.now()).toBeGreaterThan(29 * 60_000);
    await eventually(() =>
      expect(of(member, 'UNIT004', 'level').at(-1)).toMatchObject({
        action: 'shelve',
        shelved_until: shelved.body.shelved_until,
      }),
    );
    const detail = await api<{ events: EventBody[] }>('GET', `/${second.id}`);
    expect(detail.body.events.map((e) => [e.action, e.actor, e.comment])).toEqual([
      ['raise', null, null],
      ['shelve', 'operator-7', 'Level probe being cleaned'],
    ]);

    expect((await api('DELETE', `/rules/${ruleId}`)).status).toBe(204);
    await eventually(() =>
      expect(of(member, 'UNIT004', 'level').at(-1)).toMatchObject({
        id: second.id,
        action: 'disable',
        state: 'cleared',
        shelved_until: null,
      }),
    );
    expect((await api<RuleBody[]>('GET', '/rules')).body.map((r) => r.id)).not.toContain(ruleId);
    expect((await api('DELETE', `/rules/${ruleId}`)).status).toBe(404);
    const history = await api<{ items: AlarmBody[]; next_cursor: string | null }>('GET', `/history?rule_id=${ruleId}`);
    expect(history.body.items.map((a) => [a.id, a.state])).toEqual([
      [second.id, 'cleared'],
      [first.id, 'cleared'],
    ]);
    expect(history.body.next_cursor).toBeNull();
    // The same history a page at a time, by cursor, as the telemetry history pages.
    const page1 = await api<{ items: AlarmBody[]; total: number; next_cursor: string }>(
      'GET',
      `/history?rule_id=${ruleId}&limit=1`,
    );
    expect(page1.body).toMatchObject({ total: 2, limit: 1, items: [{ id: second.id }] });
    const page2 = await api<{ items: AlarmBody[]; next_cursor: string | null }>(
      'GET',
      `/history?rule_id=${ruleId}&limit=1&cursor=${page1.body.next_cursor}`,
    );
    expect(page2.body).toMatchObject({ items: [{ id: first.id }], next_cursor: null });
    expect(of(member, 'UNIT005', 'level')).toEqual([]);
  });

  it('keeps an active alarm across a backend restart: not raised again, not lost', async () => {
    await publish('UNIT003', 'temperature', 95);
    await eventually(() => expect(states(member, 'UNIT003', 'temperature')).toEqual(['raise:active_unacknowledged']));
    const alert = of(member, 'UNIT003', 'temperature')[0];
    await eventually(async () => expect(await alarmRows('UNIT003', 'temperature')).toHaveLength(1));

    // A crash, not a polite stop: the alarm must come back from what was committed.
    await backend.kill();
    await backend.restart();
    await openDb();
    const afterRestart = await listen();
    await eventually(() => expect(publisher.connected).toBe(true), 20_000);

    await publish('UNIT003', 'temperature', 96);
    await untilStored('UNIT003', 'temperature', 2);
    expect((await api('GET', '/?unit_id=UNIT003')).body).toEqual([
      expect.objectContaining({ id: alert.id, state: 'active_unacknowledged', value: 95 }),
    ]);
    await publish('UNIT003', 'temperature', 70);
    // The first event after the restart is the clear of the restored alarm: nothing was raised again.
    await eventually(() =>
      expect(of(afterRestart, 'UNIT003', 'temperature')).toEqual([
        expect.objectContaining({ id: alert.id, action: 'clear', state: 'cleared_unacknowledged' }),
      ]),
    );
    await eventually(async () =>
      expect(await alarmRows('UNIT003', 'temperature')).toEqual([{ id: alert.id, state: 'cleared_unacknowledged' }]),
    );
    expect((await eventRows(alert.id)).map((e) => e.action)).toEqual(['raise', 'clear']);
  });

  it('answers mistakes with 400, 404 and 409 and a message that says what to fix', async () => {
    const valid = {
      sensor_type: 'vibration',
      condition: 'greater_than',
      threshold: 5,
      severity: 'warning',
      message: 'Vibration {value}',
    };
    const cases: ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, unknown, number, string][] = [
      ['POST', '/rules', { ...valid, threshold: undefined }, 400, 'greater_than needs a numeric threshold'],
      ['POST', '/rules', { ...valid, colour: 'red' }, 400, 'property colour should not exist'],
      ['POST', '/rules', { ...valid, condition: 'hotter_than' }, 400, 'condition must be one of the following values'],
      ['POST', '/rules', { ...valid, message: 'Vibration {vlaue}' }, 400, 'message uses unknown placeholder {vlaue}'],
      [
        'POST',
        '/rules',
        { ...valid, condition: 'outside_range', low: 9, high: 3 },
        400,
        'outside_range needs low < high',
      ],
      ['POST', '/rules', { ...valid, on_delay: -1 }, 400, 'on_delay must be between 0 and 86400 seconds'],
      ['PUT', `/rules/${randomUUID()}`, valid, 404, 'Unknown alert rule'],
      ['PATCH', `/rules/${randomUUID()}`, { threshold: 3 }, 404, 'Unknown alert rule'],
      ['PATCH', '/rules/42', { threshold: 3 }, 400, 'Alert rule ids are UUIDs'],
      ['PATCH', `/rules/${temperatureRuleId}`, { sensor_type: null }, 400, 'sensor_type must not be null'],
      [
        'PATCH',
        `/rules/${temperatureRuleId}`,
        { deadband: 90, condition: 'outside_range', low: 0, high: 100 },
        400,
        'or the alarm could never clear',
      ],
      ['GET', '/?severity=loud', undefined, 400, 'severity must be one of the following values'],
      ['GET', '/?state=sleeping', undefined, 400, 'state must be one of the following values'],
      ['GET', '/history?limit=0', undefined, 400, 'limit must not be less than 1'],
      ['GET', '/history?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', undefined, 400, 'from must be before to'],
      ['GET', '/history?from=yesterday', undefined, 400, 'from must be a valid ISO 8601 date string'],
      ['GET', '/history?cursor=abc', undefined, 400, 'cursor is not one this API gave out'],
      ['GET', '/history?offset=10', undefined, 400, 'property offset should not exist'],
      ['GET', `/${randomUUID()}`, undefined, 404, 'Unknown alarm'],
      ['POST', `/${randomUUID()}/acknowledge`, {}, 404, 'Unknown alarm'],
      ['POST', `/${randomUUID()}/shelve`, { minutes: 0, reason: 'x' }, 400, 'minutes must not be less than 1'],
      ['POST', `/${randomUUID()}/shelve`, { minutes: 10 }, 400, 'reason must be a string'],
    ];
    for (const [method, path, body, status, message] of cases) {
      const answer = await api(method, path, body);
      expect({ call: `${method} ${path}`, status: answer.status }).toEqual({ call: `${method} ${path}`, status });
      expect(String(answer.body.message)).toContain(message);
    }
    // Callers no longer name themselves: the old X-Actor header changes nothing, and a viewer may not act.
    const viewer = await backend.createKey('viewer', { name: 'watcher' });
    const forged = await backend.request(
      'POST',
      `/api/v1/scada/alerts/${randomUUID()}/acknowledge`,
      {},
      {
        authorization: `Bearer ${viewer}`,
        'x-actor': 'operator-7',
      },
    );
    expect(forged.status).toBe(403);
    // The refused PATCHes changed nothing.
    expect((await api('GET', '/rules')).body[0]).toMatchObject({
      id: temperatureRuleId,
      sensor_type: 'temperature',
      deadband: 2,
    });
  });

  it('reports the engine in /health, /api/v1/scada/status and Swagger', async () => {
    const rules = (await api<RuleBody[]>('GET', '/rules')).body;
    const health = await backend.getJson('/health');
    expect(health.realtime_processor.alert_rules).toBe(rules.filter((r) => r.enabled).length);
    const open = (await api('GET', '/')).body as unknown[];
    const status = await backend.getJson('/api/v1/scada/status');
    expect(status.alarms).toMatchObject({
      open: open.length,
      pending_writes: 0,
      refused_writes: 0,
      inconsistencies: 0,
    });
    const docs = await backend.getJson('/api/docs-json');
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/scada/alerts',
        '/api/v1/scada/alerts/history',
        '/api/v1/scada/alerts/rules',
        '/api/v1/scada/alerts/rules/{id}',
        '/api/v1/scada/alerts/{id}/acknowledge',
        '/api/v1/scada/alerts/{id}/shelve',
      ]),
    );
    const ack = docs.paths['/api/v1/scada/alerts/{id}/acknowledge'].post;
    expect(ack.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(ack.responses)).toEqual(expect.arrayContaining(['401', '403']));
  });
});
