import { SignJWT } from 'jose';
import { BackendProcess } from '../support/backend.js';
import { connectSocket } from '../support/clients.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

const MQTT_PASSWORD = 'mqtt-pw-Zq8xv2LkP0';
const JWT_SECRET = 'jwt-secret-Hc93kdQ0wPz7Lm2Rt5Yv8Bn4Xs6Ja1Ue';
const LOGIN_URL = /http:\/\/localhost:\d+\/#api_key=(tc_[0-9a-f]{16}_[A-Za-z0-9_-]{43})/g;

/**
 * The first start of an embedded backend without any key prints a one-time login URL, and never again. Then the
 * configured passwords and every key and token used during a run must not appear anywhere in the backend's output,
 * even at the most verbose log level. Last, repeated authentication failures from one address get 429.
 */
describe(`secrets and the first admin key (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;

  beforeAll(async () => {
    target = await createTarget('secrets');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        // No provisioned key: the first start creates one and prints it as a login URL (embedded database only).
        AUTH_BOOTSTRAP_ADMIN_KEY: '',
        MQTT_USERNAME: 'scada-backend',
        MQTT_PASSWORD,
        AUTH_JWT_SECRET: JWT_SECRET,
        AUTH_JWT_ISSUER: 'https://idp.test.example',
        AUTH_JWT_AUDIENCE: 'thermacore',
        AUTH_FAILURE_LIMIT: '3',
        LOG_LEVEL: 'verbose',
      },
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await target?.dispose();
  });

  it('prints a one-time login URL on the first start only, and keeps every secret out of the logs', async () => {
    const urls = [...backend.logs.matchAll(LOGIN_URL)];
    if (TARGET === 'services') {
      // An external database gets no printed key: the log says how to create one instead.
      expect(urls).toHaveLength(0);
      expect(backend.logs).toContain('npm run keys -- create --role admin');
      return;
    }
    expect(urls).toHaveLength(1);
    const admin = urls[0][1];
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await backend.request('GET', '/api/v1/scada/auth/me', undefined, auth(admin))).body).toMatchObject({
      name: 'first-admin',
      role: 'admin',
    });

    const created = await backend.request(
      'POST',
      '/api/v1/scada/auth/keys',
      { name: 'ops', role: 'engineer' },
      auth(admin),
    );
    const key = created.body.key as string;
    const token = await new SignJWT({ role: 'viewer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://idp.test.example')
      .setAudience('thermacore')
      .setSubject('someone')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const wrongKey = 'tc_0123456789abcdef_' + 'W'.repeat(43);
    expect((await backend.request('GET', '/api/v1/scada/status', undefined, auth(key))).status).toBe(200);
    expect((await backend.request('GET', '/api/v1/scada/status', undefined, auth(token))).status).toBe(200);
    expect((await backend.request('GET', '/api/v1/scada/status', undefined, auth(wrongKey))).status).toBe(401);
    // A password sent to the API is never echoed or logged either.
    const connect = await backend.request('POST', '/api/v1/scada/mqtt/connect', { password: MQTT_PASSWORD }, auth(key));
    expect(connect.status).toBe(403);
    const again = await backend.request('POST', '/api/v1/scada/mqtt/connect', { password: MQTT_PASSWORD }, auth(admin));
    expect(again.status).toBe(409);
    expect(again.text).not.toContain(MQTT_PASSWORD);
    (await connectSocket(backend.url, key)).disconnect();
    const audit = await backend.request('GET', '/api/v1/scada/audit?limit=500', undefined, auth(admin));
    for (const secret of [MQTT_PASSWORD, key, admin, token]) expect(audit.text).not.toContain(secret);

    // A later start finds a key and prints nothing; the first key still works.
    await backend.stop();
    await backend.restart();
    expect([...backend.logs.matchAll(LOGIN_URL)]).toHaveLength(1);
    expect((await backend.request('GET', '/api/v1/scada/status', undefined, auth(admin))).status).toBe(200);

    const logs = backend.logs;
    expect(logs).toContain('Mapped {/api/v1/scada/auth/keys, POST} route'); // the verbose output is there
    const secretPart = (k: string) => k.split('_').slice(2).join('_');
    for (const [what, secret] of Object.entries({
      MQTT_PASSWORD,
      JWT_SECRET,
      created_key: secretPart(key),
      jwt: token,
      wrong_key: secretPart(wrongKey),
    })) {
      expect({ what, found: logs.includes(secret) }).toEqual({ what, found: false });
    }
    // The first key's secret appears exactly once: in the URL printed at the first start.
    expect(logs.split(secretPart(admin)).length - 1).toBe(1);
  });

  it('answers 429 to an address after too many failed authentications', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await backend.request('GET', '/api/v1/scada/status', undefined, { authorization: 'Bearer nonsense' })).status,
      );
    }
    expect(statuses).toContain(429);
    expect(statuses.indexOf(429)).toBeLessThanOrEqual(4);
    expect(statuses.slice(statuses.indexOf(429)).every((s) => s === 429)).toBe(true);
    // Health probes stay open.
    expect((await fetch(`${backend.url}/health/live`)).status).toBe(200);
  });
});

describe(`AUTH_ENABLED=false (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;

  beforeAll(async () => {
    target = await createTarget('noauth');
    backend = await BackendProcess.start({ env: { ...target.env, AUTH_ENABLED: 'false' } });
  });

  afterAll(async () => {
    await backend?.stop();
    await target?.dispose();
  });

  it('warns loudly at start-up and opens everything', async () => {
    expect(backend.token).toBeUndefined();
    expect(backend.logs).toContain('AUTH_ENABLED=false: AUTHENTICATION IS OFF');
    expect((await backend.request('GET', '/api/v1/scada/status')).status).toBe(200);
    expect((await backend.request('GET', '/api/v1/scada/auth/me')).body).toMatchObject({
      kind: 'anonymous',
      name: 'anonymous',
      role: 'admin',
    });
    const socket = await connectSocket(backend.url);
    socket.disconnect();
    // No first-start key either: there is nothing to log in to.
    expect(backend.logs).not.toContain('#api_key=');
  });
});
