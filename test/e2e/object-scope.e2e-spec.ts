import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher, connectSocket } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

interface Alert {
  id: string;
  unit_id: string;
  sensor_type: string;
  action: string;
}

/**
 * Object-level authorisation (OWASP API1) and abuse limits end to end: a credential limited to UNIT001 cannot act
 * on UNIT002's alarms, sensors or rules by their ids, hears only its own units' system_alert, cannot mint a wider
 * key; authentication failures are summed per source in the audit log and block that source, never a valid key;
 * the audit log refuses UPDATE and DELETE from the backend's own database role.
 */
const MQTT_PASSWORD = 'mqtt-pw-scope-4Yt7';

describe(`object-level scope and abuse limits (${TARGET})`, () => {
  const FAILURE_LIMIT = 5;
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client;
  const sockets: Socket[] = [];
  /** Alarm ids raised by the plant-wide temperature rule (> 85 °C), per unit. */
  const alarmOf: Record<string, string> = {};

  const as = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  async function socket(token: string): Promise<Socket> {
    const s = await connectSocket(backend.url, token);
    sockets.push(s);
    return s;
  }

  async function openAlarm(unitId: string): Promise<string> {
    return eventually(async () => {
      const open = (await backend.getJson<Alert[]>(`/api/v1/scada/alerts?unit_id=${unitId}`)).filter(
        (a) => a.sensor_type === 'temperature',
      );
      expect(open).toHaveLength(1);
      return open[0].id;
    });
  }

  /** The backend's database role: on PostgreSQL an ordinary role (not a superuser) owning its database. */
  let databaseUrl: string;
  let runtimeRole: string | undefined;

  async function asAdmin(statement: string): Promise<void> {
    const url = new URL(target.databaseUrl);
    url.pathname = '/postgres';
    const admin = await connectDb(url.toString());
    try {
      await admin.query(statement);
    } finally {
      await admin.end();
    }
  }

  beforeAll(async () => {
    target = await createTarget('object_scope');
    databaseUrl = target.databaseUrl;
    if (TARGET === 'services') {
      const url = new URL(target.databaseUrl);
      runtimeRole = `${url.pathname.slice(1)}_rt`;
      // What a production backend gets: its own database, CREATEROLE once for the audit log's owner, no superuser.
      await asAdmin(`CREATE ROLE ${runtimeRole} LOGIN CREATEROLE`);
      await asAdmin(`ALTER DATABASE ${url.pathname.slice(1)} OWNER TO ${runtimeRole}`);
      url.username = runtimeRole;
      databaseUrl = url.toString();
    }
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        ...(TARGET === 'services' ? { DATABASE_URL: databaseUrl } : {}),
        AUTH_FAILURE_LIMIT: String(FAILURE_LIMIT),
        MQTT_USERNAME: 'scada',
        MQTT_PASSWORD: MQTT_PASSWORD,
      },
    });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${target.topicPrefix}_pub` });
    for (const unit of ['UNIT001', 'UNIT002']) {
      await publisher.publishAsync(`${target.topicPrefix}/${unit}/temperature`, '90', { qos: 1 });
    }
    for (const unit of ['UNIT001', 'UNIT002']) alarmOf[unit] = await openAlarm(unit);
    db = await connectDb(databaseUrl);
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await db?.end();
    await publisher?.endAsync();
    await backend?.stop();
    await target?.dispose();
    if (runtimeRole !== undefined) await asAdmin(`DROP ROLE IF EXISTS ${runtimeRole}`);
  });

  it("refuses a UNIT001 operator another unit's alarm by id (403), and lets it act on its own", async () => {
    const operator = await backend.createKey('operator', { name: 'op-unit1', units: ['UNIT001'] });
    const other = alarmOf.UNIT002;
    const refusals = [
      await backend.request('GET', `/api/v1/scada/alerts/${other}`, undefined, as(operator)),
      await backend.request('POST', `/api/v1/scada/alerts/${other}/acknowledge`, {}, as(operator)),
      await backend.request(
        'POST',
        `/api/v1/scada/alerts/${other}/shelve`,
        { minutes: 10, reason: 'not mine' },
        as(operator),
      ),
      await backend.request('POST', `/api/v1/scada/alerts/${other}/unshelve`, {}, as(operator)),
    ];
    for (const reply of refusals) {
      expect({ status: reply.status, message: reply.body.message }).toEqual({
        status: 403,
        message: `Alarm ${other} belongs to unit 'UNIT002', outside the units this credential may access`,
      });
    }
    // Nothing happened to it.
    expect((await backend.getJson(`/api/v1/scada/alerts/${other}`)).events).toHaveLength(1);
    // Each refusal is in the audit log, reads included.
    await eventually(async () => {
      const audit = await backend.request('GET', '/api/v1/scada/audit?actor=op-unit1&result=denied');
      const rows = (audit.body.items as { action: string; status: number }[]).map((e) => `${e.status} ${e.action}`);
      expect(rows.sort()).toEqual([
        '403 alerts.acknowledge',
        '403 alerts.one',
        '403 alerts.shelve',
        '403 alerts.unshelve',
      ]);
    });

    const own = await backend.request('POST', `/api/v1/scada/alerts/${alarmOf.UNIT001}/acknowledge`, {}, as(operator));
    expect(own).toMatchObject({ status: 200, body: { unit_id: 'UNIT001', state: 'active_acknowledged' } });
    // Lists show its units only.
    const open = await backend.request('GET', '/api/v1/scada/alerts', undefined, as(operator));
    expect(new Set((open.body as Alert[]).map((a) => a.unit_id))).toEqual(new Set(['UNIT001']));
  });

  it("refuses a UNIT001 engineer another unit's sensor and every plant-wide rule (403)", async () => {
    const engineer = await backend.createKey('engineer', { name: 'eng-unit1', units: ['UNIT001'] });
    const sensorId = async (unit: string): Promise<number> =>
      (
        await backend.getJson<{ items: { id: number; sensor_type: string }[] }>(`/api/v1/scada/units/${unit}/sensors`)
      ).items.find((s) => s.sensor_type === 'temperature')!.id;
    const foreign = await sensorId('UNIT002');
    const patch = await backend.request('PATCH', `/api/v1/scada/sensors/${foreign}`, { scale_factor: 2 }, as(engineer));
    expect(patch).toMatchObject({
      status: 403,
      body: { message: `Sensor ${foreign} belongs to unit 'UNIT002', outside the units this credential may access` },
    });
    const stored = await db.query<{ scale_factor: number }>('SELECT scale_factor FROM sensors WHERE id = $1', [
      foreign,
    ]);
    expect(Number(stored.rows[0].scale_factor)).toBe(1);
    const mine = await backend.request(
      'PATCH',
      `/api/v1/scada/sensors/${await sensorId('UNIT001')}`,
      { display_name: 'Reactor 1' },
      as(engineer),
    );
    expect(mine.status).toBe(200);

    // The seeded rules are plant-wide: out of reach, and not listed.
    const all = await backend.getJson<{ id: string; unit_id: string | null }[]>('/api/v1/scada/alerts/rules');
    const plantWide = all.find((r) => r.unit_id === null)!;
    const rule = {
      sensor_type: 'pressure',
      condition: 'greater_than',
      threshold: 9.5,
      severity: 'high',
      message: 'Pressure {value} bar',
    };
    const refused = [
      await backend.request('PATCH', `/api/v1/scada/alerts/rules/${plantWide.id}`, { threshold: 99 }, as(engineer)),
      await backend.request('PUT', `/api/v1/scada/alerts/rules/${plantWide.id}`, rule, as(engineer)),
      await backend.request('DELETE', `/api/v1/scada/alerts/rules/${plantWide.id}`, undefined, as(engineer)),
      await backend.request('POST', '/api/v1/scada/alerts/rules', rule, as(engineer)),
    ];
    for (const reply of refused) {
      expect({ status: reply.status, message: String(reply.body.message) }).toEqual({
        status: 403,
        message: expect.stringContaining('plant-wide (not bound to a unit)'),
      });
    }
    const own = await backend.request(
      'POST',
      '/api/v1/scada/alerts/rules',
      { ...rule, unit_id: 'UNIT001' },
      as(engineer),
    );
    expect(own.status).toBe(201);
    // Moving its own rule to another unit is refused too.
    const moved = await backend.request(
      'PATCH',
      `/api/v1/scada/alerts/rules/${own.body.id}`,
      { unit_id: 'UNIT002' },
      as(engineer),
    );
    expect(moved.status).toBe(403);
    const listed = await backend.request('GET', '/api/v1/scada/alerts/rules', undefined, as(engineer));
    expect((listed.body as { id: string }[]).map((r) => r.id)).toEqual([own.body.id]);
  });

  it('sends system_alert only to sockets whose scope covers the unit', async () => {
    const unit1 = await socket(await backend.createKey('viewer', { name: 'hmi-unit1', units: ['UNIT001'] }));
    const plant = await socket(await backend.createKey('viewer', { name: 'hmi-plant' }));
    const seen: Record<string, Alert[]> = { unit1: [], plant: [] };
    unit1.on('system_alert', (a: Alert) => seen.unit1.push(a));
    plant.on('system_alert', (a: Alert) => seen.plant.push(a));
    // Back to normal (a clear each), then over the limit again: no room joined, alarms come anyway.
    for (const value of ['20', '95']) {
      for (const unit of ['UNIT002', 'UNIT001']) {
        await publisher.publishAsync(`${target.topicPrefix}/${unit}/temperature`, value, { qos: 1 });
      }
    }
    await eventually(() => {
      expect(seen.plant.filter((a) => a.unit_id === 'UNIT002').length).toBeGreaterThanOrEqual(2);
      expect(seen.plant.filter((a) => a.unit_id === 'UNIT001').length).toBeGreaterThanOrEqual(2);
      expect(seen.unit1.filter((a) => a.unit_id === 'UNIT001').length).toBeGreaterThanOrEqual(2);
    });
    // UNIT002's alerts were sent before UNIT001's last one, which unit1 has: had they reached it, they would be here.
    expect(seen.unit1.map((a) => a.unit_id)).not.toContain('UNIT002');
  });

  it('refuses to mint a key above its own role or beyond its own units (403)', async () => {
    const scopedAdmin = await backend.createKey('admin', { name: 'admin-unit1', units: ['UNIT001'] });
    const engineer = await backend.createKey('engineer', { name: 'eng-plant' });
    const mint = (token: string, body: Record<string, unknown>) =>
      backend.request('POST', '/api/v1/scada/auth/keys', { name: 'minted', ...body }, as(token));
    const cases: [string, Record<string, unknown>, number, string][] = [
      [scopedAdmin, { role: 'viewer' }, 403, 'a new key must name units among them'],
      [scopedAdmin, { role: 'viewer', units: ['UNIT001', 'UNIT002'] }, 403, 'outside this credential'],
      [scopedAdmin, { role: 'admin', units: ['UNIT001'] }, 201, ''],
    ];
    for (const [token, body, status, message] of cases) {
      const reply = await mint(token, body);
      expect({ body, status: reply.status }).toEqual({ body, status });
      expect(reply.text).toContain(message);
    }
    // The role check comes first (an engineer cannot reach the keys routes at all).
    expect((await mint(engineer, { role: 'viewer' })).status).toBe(403);
    // A scoped admin sees, and may revoke, only keys within its scope.
    const listed = await backend.request('GET', '/api/v1/scada/auth/keys', undefined, as(scopedAdmin));
    const names = (listed.body as { name: string; units: string[] | null }[]).map((k) => k.units);
    expect(names.every((units) => units !== null && units.every((u) => u === 'UNIT001'))).toBe(true);
    const all = await backend.getJson<{ id: string; name: string }[]>('/api/v1/scada/auth/keys');
    const plantKey = all.find((k) => k.name === 'eng-plant')!;
    expect(
      (await backend.request('DELETE', `/api/v1/scada/auth/keys/${plantKey.id}`, undefined, as(scopedAdmin))).status,
    ).toBe(403);
    // The audit log is plant-wide: not for a unit-scoped admin.
    expect((await backend.request('GET', '/api/v1/scada/audit', undefined, as(scopedAdmin))).status).toBe(403);
  });

  it('publishes test messages only within the caller scope, never retained', async () => {
    const engineer = await backend.createKey('engineer', { name: 'pub-unit1', units: ['UNIT001'] });
    const publish = (body: Record<string, unknown>) =>
      backend.request('POST', '/api/v1/scada/mqtt/publish', { payload: '21', ...body }, as(engineer));
    const p = target.topicPrefix;
    expect((await publish({ topic: `${p}/UNIT002/temperature` })).status).toBe(403);
    const outside = await publish({ topic: 'elsewhere/UNIT001/temperature' });
    expect(outside).toMatchObject({ status: 400, body: { message: expect.stringContaining(`${p}/{unit_id}`) } });
    const retained = await publish({ topic: `${p}/UNIT001/temperature`, retain: true });
    expect(retained).toMatchObject({ status: 400, body: { message: expect.stringContaining('retain is refused') } });
    expect((await publish({ topic: `${p}/UNIT001/temperature` })).status).toBe(200);
  });

  it('sends the configured MQTT password only to the configured broker; OPC UA browse and read need engineer', async () => {
    const connect = (body: Record<string, unknown>) => backend.request('POST', '/api/v1/scada/mqtt/connect', body);
    expect((await backend.request('POST', '/api/v1/scada/mqtt/disconnect')).status).toBe(200);
    for (const body of [{ host: '192.0.2.1' }, { port: 1 }, { username: 'someone-else' }]) {
      const reply = await connect(body);
      expect({ body, status: reply.status }).toEqual({ body, status: 400 });
      expect(reply.body.message).toContain('must bring its own password');
      expect(reply.text).not.toContain(MQTT_PASSWORD);
    }
    expect((await connect({})).status).toBe(200);
    const viewer = await backend.createKey('viewer', { name: 'browser' });
    expect((await backend.request('GET', '/api/v1/scada/opcua/browse', undefined, as(viewer))).status).toBe(403);
    expect(
      (await backend.request('POST', '/api/v1/scada/opcua/read', { node_ids: ['i=2258'] }, as(viewer))).status,
    ).toBe(403);
  });

  it('sums failed authentications per source in the audit log, blocks that source, and still lets a valid key in', async () => {
    const before = await eventually(async () => {
      const reply = await backend.request('GET', '/api/v1/scada/audit?result=denied&limit=500');
      return (reply.body.items as { status: number }[]).filter((e) => e.status === 401).length;
    });
    const bad = { authorization: 'Bearer tc_0000000000000000_' + 'C'.repeat(43) };
    const statuses: number[] = [];
    for (let i = 0; i < 3 * FAILURE_LIMIT; i++) {
      statuses.push((await backend.request('GET', '/api/v1/scada/status', undefined, bad)).status);
    }
    // Socket.IO handshakes count toward the same source.
    await expect(connectSocket(backend.url, 'tc_0000000000000000_' + 'D'.repeat(43))).rejects.toThrow(
      'Too many failed authentications',
    );
    expect(statuses.slice(0, FAILURE_LIMIT)).toEqual(Array(FAILURE_LIMIT).fill(401));
    expect(statuses.slice(FAILURE_LIMIT + 1)).toEqual(Array(2 * FAILURE_LIMIT - 1).fill(429));

    // The address is blocked, but a valid key from it works, over REST and Socket.IO.
    const operator = await backend.createKey('operator', { name: 'behind-the-nat' });
    expect((await backend.request('GET', '/api/v1/scada/status', undefined, as(operator))).status).toBe(200);
    expect((await socket(operator)).connected).toBe(true);

    // Not one row per failure: the rest of the window is one auth.failures row with the count, at its end.
    const summary = await eventually(async () => {
      const reply = await backend.request('GET', '/api/v1/scada/audit?action=auth.failures');
      expect(reply.body.items).toHaveLength(1);
      return reply.body.items[0] as { ip: string; status: number; target: { count: number } };
    }, 90_000);
    const reply = await backend.request('GET', '/api/v1/scada/audit?result=denied&limit=500');
    const rows = (reply.body.items as { status: number; action: string }[]).filter(
      (e) => e.status === 401 && e.action !== 'auth.failures',
    );
    // At most the first failure of the window as its own row (earlier windows of this file counted too).
    expect(rows.length - before).toBeLessThanOrEqual(1);
    expect(summary.status).toBe(401);
    expect(summary.target.count).toBeGreaterThanOrEqual(3 * FAILURE_LIMIT);
    const metrics = await (await fetch(`${backend.url}/metrics`)).text();
    expect(metrics).toMatch(/^scada_auth_failures_total \d+/m);
    expect(metrics).toMatch(/^scada_audit_write_failures_total 0$/m);
  }, 120_000);

  it("refuses UPDATE, DELETE and TRUNCATE of audit rows to the backend's own database role", async () => {
    const owner = await db.query<{ tableowner: string }>(
      "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log' AND schemaname = current_schema()",
    );
    expect(owner.rows[0].tableowner).toBe('scada_audit_owner');
    const [{ n }] = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows;
    expect(n).toBeGreaterThan(0);
    // An ordinary role is refused by privileges (it no longer owns the table, so it cannot drop the trigger
    // either); the embedded database's superuser by the append-only trigger.
    const refusal = TARGET === 'services' ? /permission denied|must be owner/ : /append-only/;
    for (const statement of [
      "UPDATE audit_log SET actor = 'someone else'",
      'DELETE FROM audit_log',
      'TRUNCATE audit_log',
      ...(TARGET === 'services' ? ['DROP TRIGGER audit_log_no_change ON audit_log'] : []),
    ]) {
      await expect(db.query(statement)).rejects.toThrow(refusal);
    }
    await db.query(
      "INSERT INTO audit_log (actor, actor_kind, action, result) VALUES ('spec', 'none', 'spec.insert', 'ok')",
    );
    expect(
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0].n,
    ).toBeGreaterThanOrEqual(n);
  });
});
