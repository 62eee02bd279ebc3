import { generateKeyPair, SignJWT } from 'jose';
import type { MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { BackendProcess, type TestRole } from '../support/backend.js';
import { connectPublisher, connectSocket, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

const ROLES: TestRole[] = ['viewer', 'operator', 'engineer', 'admin'];
const JWT_SECRET = 'jwt-test-secret-0123456789abcdef0123456789';
const ISSUER = 'https://idp.test.example';
const AUDIENCE = 'thermacore-e2e';

/** Routes open to anyone, on purpose (health probes, docs). Everything else must need a role. */
const PUBLIC_ROUTES = ['GET /health', 'GET /health/live', 'GET /health/ready', 'GET /metrics'];

interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path, `{param}` placeholders included. */
  template: string;
  path: string;
  /** Taken from the 403 response RequireRole documents; undefined for a public route. */
  role?: TestRole;
}

/** A value for each path parameter that routes to the handler (and then fails validation or finds nothing). */
const PARAMS: Record<string, string> = {
  id: '00000000-0000-4000-8000-000000000000',
  unit_id: 'UNIT001',
};

/** Every operation of the running backend's OpenAPI document, with the role its 403 answer names. */
function operationsOf(docs: {
  paths: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;
}): Operation[] {
  const out: Operation[] = [];
  for (const [template, methods] of Object.entries(docs.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const forbidden = op.responses?.['403']?.description ?? '';
      const role = /Needs role (viewer|operator|engineer|admin)/.exec(forbidden)?.[1] as TestRole | undefined;
      out.push({
        method: method.toUpperCase() as Operation['method'],
        template,
        path: template.replace(/\{(\w+)\}/g, (_m, name: string) => PARAMS[name] ?? 'x'),
        role,
      });
    }
  }
  return out;
}

function unsignedJwt(payload: Record<string, unknown>): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

/**
 * Access control end to end: every route needs credentials and the right role (the role × endpoint matrix, built
 * from the OpenAPI document so a new route is covered the day it lands), refusals are audited, unit scopes hold,
 * Socket.IO checks the handshake and room joins, JWTs from an identity provider are verified strictly.
 */
describe(`authentication and authorisation (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let keys: Record<TestRole, string>;
  const sockets: Socket[] = [];
  const secret = new TextEncoder().encode(JWT_SECRET);

  beforeAll(async () => {
    target = await createTarget('auth');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        AUTH_JWT_SECRET: JWT_SECRET,
        AUTH_JWT_ISSUER: ISSUER,
        AUTH_JWT_AUDIENCE: AUDIENCE,
        // The matrix sends dozens of credential-less requests from one address on purpose.
        AUTH_FAILURE_LIMIT: '10000',
        AUTH_SOCKET_RECHECK_S: '1',
        MQTT_PUBLISH_RATE_LIMIT_PER_MINUTE: '5',
      },
    });
    keys = await backend.keysByRole();
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${target.topicPrefix}_pub` });
    for (const unit of ['UNIT001', 'UNIT002']) {
      await publisher.publishAsync(`${target.topicPrefix}/${unit}/temperature`, '20', { qos: 1 });
    }
    await eventually(async () => expect((await backend.getJson('/api/v1/scada/units')).items).toHaveLength(2));
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await publisher?.endAsync();
    await backend?.stop();
    await target?.dispose();
  });

  const as = (token: string | undefined): Record<string, string> => ({ authorization: token ? `Bearer ${token}` : '' });

  function jwt(claims: Record<string, unknown>, options: { expiresIn?: string | number; audience?: string } = {}) {
    return new SignJWT({ role: 'viewer', ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject('user-42')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(secret);
  }

  async function socket(token?: string): Promise<Socket> {
    const s = await connectSocket(backend.url, token);
    sockets.push(s);
    return s;
  }

  it('guards every route: 401 without credentials, 403 with too weak a role, through with enough; refusals audited', async () => {
    const operations = operationsOf(await backend.getJson('/api/docs-json'));
    const unguarded = operations.filter((o) => o.role === undefined).map((o) => `${o.method} ${o.template}`);
    expect(unguarded.sort()).toEqual([...PUBLIC_ROUTES].sort());

    const denied: { path: string; status: number }[] = [];
    const rows: string[] = [];
    for (const op of operations.filter((o) => o.role !== undefined)) {
      // A body no DTO accepts: with enough rights the call stops at validation instead of changing anything.
      const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : { __probe: true };
      const none = await backend.request(op.method, op.path, body, { authorization: '' });
      const wrong = await backend.request(op.method, op.path, body, as('tc_0000000000000000_' + 'A'.repeat(43)));
      const below = ROLES[ROLES.indexOf(op.role!) - 1];
      const weak = below === undefined ? undefined : await backend.request(op.method, op.path, body, as(keys[below]));
      const enough = await backend.request(op.method, op.path, body, as(keys[op.role!]));
      rows.push(
        `${op.method} ${op.template} [${op.role}]: none ${none.status}, bad key ${wrong.status}, ` +
          `${below ?? '-'} ${weak?.status ?? '-'}, ${op.role} ${enough.status === 401 || enough.status === 403 ? enough.status : 'ok'}`,
      );
      expect(none.body).toEqual({ statusCode: 401, message: 'Unauthorized' });
      if (weak !== undefined) denied.push({ path: op.path, status: 403 });
      // The one management call the probe body does not stop: put the connection back.
      if (op.path === '/api/v1/scada/mqtt/disconnect' && enough.status === 200) {
        expect((await backend.request('POST', '/api/v1/scada/mqtt/connect', {})).status).toBe(200);
      }
    }
    const expected = operations
      .filter((o) => o.role !== undefined)
      .map((o) => {
        const below = ROLES[ROLES.indexOf(o.role!) - 1];
        return `${o.method} ${o.template} [${o.role}]: none 401, bad key 401, ${below ?? '-'} ${below === undefined ? '-' : 403}, ${o.role} ok`;
      });
    expect(rows).toEqual(expected);

    await eventually(async () => {
      const audit = await backend.request('GET', '/api/v1/scada/audit?result=denied&limit=500');
      const seen = (audit.body.items as { path: string; status: number }[]).map((e) => `${e.status} ${e.path}`);
      for (const d of denied) expect(seen).toContain(`${d.status} ${d.path}`);
      // Authentication failures are summed per source and minute (object-scope.e2e-spec.ts): the first is there.
      expect(seen.some((x) => x.startsWith('401 '))).toBe(true);
      const count = (s: string) => seen.filter((x) => x === s).length;
      for (const d of new Set(denied.map((x) => `${x.status} ${x.path}`))) {
        expect(count(d)).toBeGreaterThanOrEqual(denied.filter((x) => `${x.status} ${x.path}` === d).length);
      }
    });
  });

  it('records management actions with who, what, from where, the result and old → new', async () => {
    const operator = await backend.createKey('engineer', { name: 'eng-anna' });
    const rules = await backend.request('GET', '/api/v1/scada/alerts/rules');
    const rule = rules.body[0] as { id: string; threshold: number };
    const patched = await backend.request(
      'PATCH',
      `/api/v1/scada/alerts/rules/${rule.id}`,
      { threshold: rule.threshold + 1 },
      as(operator),
    );
    expect(patched.status).toBe(200);
    await backend.request(
      'PATCH',
      `/api/v1/scada/alerts/rules/${rule.id}`,
      { threshold: rule.threshold },
      as(operator),
    );
    const page = await eventually(async () => {
      const reply = await backend.request<{ total: number; items: Record<string, unknown>[] }>(
        'GET',
        '/api/v1/scada/audit?actor=eng-anna&action=alert_rules.update',
      );
      expect(reply.body.total).toBe(2);
      return reply.body;
    });
    expect(page.items[1]).toMatchObject({
      actor: 'eng-anna',
      actor_kind: 'api_key',
      role: 'engineer',
      action: 'alert_rules.update',
      method: 'PATCH',
      path: `/api/v1/scada/alerts/rules/${rule.id}`,
      target: { id: rule.id },
      result: 'ok',
      status: 200,
      ip: expect.stringMatching(/127\.0\.0\.1/),
      old_value: expect.objectContaining({ threshold: rule.threshold }),
      new_value: expect.objectContaining({ threshold: rule.threshold + 1 }),
    });

    // A refused publish is audited as failed; the MQTT password given to connect never reaches the log.
    await backend.request('POST', '/api/v1/scada/mqtt/connect', { password: 'never-stored-pw' });
    const connects = await eventually(async () => {
      const reply = await backend.request('GET', '/api/v1/scada/audit?action=mqtt.connect');
      expect(reply.body.total).toBeGreaterThan(0);
      return reply.body.items as { new_value: unknown; result: string; status: number }[];
    });
    expect(connects[0]).toMatchObject({ result: 'failed', status: 409 });
    expect(JSON.stringify(connects)).not.toContain('never-stored-pw');

    // Paged and filtered.
    const first = await backend.request('GET', '/api/v1/scada/audit?limit=2');
    const second = await backend.request('GET', '/api/v1/scada/audit?limit=2&offset=2');
    expect(first.body.items).toHaveLength(2);
    expect(second.body.items[0].id).not.toBe(first.body.items[1].id);
    expect(Number(first.body.items[0].id)).toBeGreaterThan(Number(second.body.items[0].id));
    const future = await backend.request(
      'GET',
      `/api/v1/scada/audit?from=${new Date(Date.now() + 3600_000).toISOString()}`,
    );
    expect(future.body).toMatchObject({ items: [], total: 0 });
    expect((await backend.request('GET', '/api/v1/scada/audit?result=maybe')).status).toBe(400);
    expect((await backend.request('GET', '/api/v1/scada/audit', undefined, as(keys.engineer))).status).toBe(403);
  });

  it('keeps a key limited to units inside them: other units 403, lists filtered', async () => {
    const scoped = await backend.createKey('viewer', { name: 'unit1-only', units: ['UNIT001'] });
    const units = await backend.request<{ items: { unit_id: string }[] }>(
      'GET',
      '/api/v1/scada/units',
      undefined,
      as(scoped),
    );
    expect(units.body.items.map((u) => u.unit_id)).toEqual(['UNIT001']);
    expect((await backend.request('GET', '/api/v1/scada/units/UNIT001/sensors', undefined, as(scoped))).status).toBe(
      200,
    );
    const other = await backend.request('GET', '/api/v1/scada/units/UNIT002/sensors', undefined, as(scoped));
    expect(other).toMatchObject({ status: 403, body: { message: expect.stringContaining("'UNIT002'") } });
    expect((await backend.request('GET', '/api/v1/scada/alerts?unit_id=UNIT002', undefined, as(scoped))).status).toBe(
      403,
    );
    const me = await backend.request('GET', '/api/v1/scada/auth/me', undefined, as(scoped));
    expect(me.body).toMatchObject({ kind: 'api_key', name: 'unit1-only', role: 'viewer', units: ['UNIT001'] });
  });

  it('creates keys shown once, lists them without secrets, and refuses a revoked key at once', async () => {
    const created = await backend.request('POST', '/api/v1/scada/auth/keys', { name: 'short-lived', role: 'viewer' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^tc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const list = await backend.request<{ id: string }[]>('GET', '/api/v1/scada/auth/keys');
    expect(list.text).not.toContain(key.slice('tc_0123456789abcdef_'.length));
    expect(list.body.find((k) => k.id === created.body.id)).toMatchObject({ name: 'short-lived' });
    expect((await backend.request('GET', '/api/v1/scada/status', undefined, as(key))).status).toBe(200);
    expect((await backend.request('GET', '/api/v1/scada/status', undefined, { 'x-api-key': key })).status).toBe(200);
    const revoked = await backend.request('DELETE', `/api/v1/scada/auth/keys/${created.body.id}`);
    expect(revoked.body).toMatchObject({ id: created.body.id, revoked_by: 'bootstrap-admin' });
    expect((await backend.request('GET', '/api/v1/scada/status', undefined, as(key))).status).toBe(401);
    expect(
      (await backend.request('POST', '/api/v1/scada/auth/keys', { name: 'x', role: 'root' })).body.message,
    ).toEqual(expect.arrayContaining([expect.stringContaining('role must be one of')]));
    expect((await backend.request('DELETE', '/api/v1/scada/auth/keys/0000000000000000')).status).toBe(404);
  });

  it('verifies JWTs: issuer, audience, signature, expiry and algorithm; role and units from claims', async () => {
    const me = (token: string) => backend.request('GET', '/api/v1/scada/auth/me', undefined, as(token));
    const valid = await me(await jwt({ role: 'operator', preferred_username: 'jane', units: ['UNIT001'] }));
    expect(valid).toMatchObject({
      status: 200,
      body: { kind: 'jwt', id: 'user-42', name: 'jane', role: 'operator', units: ['UNIT001'] },
    });
    // A list of roles counts by its highest known one.
    expect((await me(await jwt({ role: ['scada-user', 'engineer'] }))).body.role).toBe('engineer');

    const expired = await jwt({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const wrongAudience = await jwt({}, { audience: 'someone-else' });
    const wrongSignature = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-secret-0123456789abcdef-0123456789'));
    const none = unsignedJwt({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'mallory',
      role: 'admin',
      exp: Date.now() / 1000 + 300,
    });
    const { privateKey } = await generateKeyPair('RS256');
    const wrongAlgorithm = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    const noRole = await jwt({ role: 'superuser' });
    for (const [what, token] of Object.entries({
      expired,
      wrongAudience,
      wrongSignature,
      none,
      wrongAlgorithm,
      noRole,
    })) {
      const reply = await me(token);
      expect({ what, status: reply.status, body: reply.body }).toEqual({
        what,
        status: 401,
        body: { statusCode: 401, message: 'Unauthorized' },
      });
    }
    // Authorisation applies to tokens as to keys.
    const viewerToken = await jwt({ role: 'viewer' });
    expect((await backend.request('POST', '/api/v1/scada/simulator/stop', undefined, as(viewerToken))).status).toBe(
      403,
    );
  });

  it('refuses a Socket.IO client without valid credentials at the handshake', async () => {
    const failures = async (): Promise<number> =>
      Number(/^scada_auth_failures_total (\d+)/m.exec(await (await fetch(`${backend.url}/metrics`)).text())?.[1]);
    const before = await failures();
    await expect(connectSocket(backend.url)).rejects.toThrow('Unauthorized');
    await expect(connectSocket(backend.url, 'tc_0000000000000000_' + 'B'.repeat(43))).rejects.toThrow('Unauthorized');
    await expect(connectSocket(backend.url, unsignedJwt({ sub: 'x', role: 'admin' }))).rejects.toThrow('Unauthorized');
    const ok = await socket(keys.viewer);
    expect(await request(ok, 'get_status')).toMatchObject({ ok: true });
    // Counted with the REST failures of the same source, and summed per source in the audit log
    // (object-scope.e2e-spec.ts), so this file's earlier failures may already hold the window's own row.
    expect((await failures()) - before).toBe(3);
  });

  it('lets a viewer limited to UNIT001 join UNIT001 and refuses UNIT002', async () => {
    const scoped = await backend.createKey('viewer', { name: 'hmi-unit1', units: ['UNIT001'] });
    const s = await socket(scoped);
    expect(await request(s, 'subscribe_unit', { unit_id: 'UNIT001' })).toMatchObject({ ok: true, unit_id: 'UNIT001' });
    expect(await request(s, 'subscribe_unit', { unit_id: 'UNIT002' })).toEqual({
      ok: false,
      error: expect.stringContaining('Forbidden'),
    });
    expect((await request(s, 'get_status')).subscribed_units).toEqual(['UNIT001']);
    const seen: { unit_id: string }[] = [];
    s.on('sensor_data', (m: { unit_id: string }) => seen.push(m));
    await publisher.publishAsync(`${target.topicPrefix}/UNIT002/temperature`, '21', { qos: 1 });
    await publisher.publishAsync(`${target.topicPrefix}/UNIT001/temperature`, '22', { qos: 1 });
    await eventually(() => expect(seen.map((m) => m.unit_id)).toContain('UNIT001'));
    expect(seen.map((m) => m.unit_id)).not.toContain('UNIT002');
    await eventually(async () => {
      const audit = await backend.request('GET', '/api/v1/scada/audit?action=unit_room.subscribe&actor=hmi-unit1');
      expect(audit.body.items[0]).toMatchObject({ result: 'denied', status: 403, target: { unit_id: 'UNIT002' } });
    });
  });

  it('disconnects a socket when its key is revoked and when its JWT expires', async () => {
    const created = await backend.request('POST', '/api/v1/scada/auth/keys', { name: 'to-revoke', role: 'viewer' });
    const byKey = await socket(created.body.key);
    const keyClosed = new Promise<string>((resolve) => byKey.once('disconnect', resolve));
    await backend.request('DELETE', `/api/v1/scada/auth/keys/${created.body.id}`);
    expect(await keyClosed).toBe('io server disconnect');

    const shortLived = await jwt({}, { expiresIn: Math.floor(Date.now() / 1000) + 3 });
    const byToken = await socket(shortLived);
    const expired = new Promise<unknown>((resolve) => byToken.once('auth_expired', resolve));
    const tokenClosed = new Promise<string>((resolve) => byToken.once('disconnect', resolve));
    expect(await expired).toEqual({ reason: 'credentials expired' });
    expect(await tokenClosed).toBe('io server disconnect');
  });

  it('refuses Socket.IO from a page of another origin, and accepts its own', async () => {
    const attempt = (origin: string) =>
      new Promise<string>((resolve) => {
        const s = io(backend.url, {
          transports: ['websocket'],
          reconnection: false,
          auth: { token: keys.viewer },
          extraHeaders: { origin },
        });
        sockets.push(s);
        s.once('connect', () => resolve('connected'));
        s.once('connect_error', () => resolve('refused'));
      });
    expect(await attempt('http://evil.example')).toBe('refused');
    expect(await attempt(backend.url)).toBe('connected');
  });

  it('limits MQTT test messages per caller (429 past MQTT_PUBLISH_RATE_LIMIT_PER_MINUTE), not other calls', async () => {
    const engineer = await backend.createKey('engineer', { name: 'publisher' });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const reply = await backend.request(
        'POST',
        '/api/v1/scada/mqtt/publish',
        { topic: `${target.topicPrefix}/RATE01/temperature`, payload: String(i) },
        as(engineer),
      );
      statuses.push(reply.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await backend.request('GET', '/api/v1/scada/mqtt/status', undefined, as(engineer))).status).toBe(200);
    // Another caller has its own allowance.
    expect(
      (
        await backend.request('POST', '/api/v1/scada/mqtt/publish', {
          topic: `${target.topicPrefix}/RATE01/temperature`,
          payload: '9',
        })
      ).status,
    ).toBe(200);
  });

  it('sends security headers and keeps errors free of internals', async () => {
    const docs = await fetch(`${backend.url}/api/docs/`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    const tooLarge = await backend.request('POST', '/api/v1/scada/alerts/rules', { message: 'x'.repeat(70 * 1024) });
    expect(tooLarge).toMatchObject({ status: 413 });
    expect(tooLarge.text).not.toMatch(/at .*\.js|node_modules/);
    const cors = await fetch(`${backend.url}/api/v1/scada/status`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(cors.headers.get('access-control-allow-origin')).toBeNull();
  });
});
