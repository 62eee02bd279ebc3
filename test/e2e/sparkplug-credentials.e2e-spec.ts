import type pg from 'pg';
import type { UPayload } from 'sparkplug-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, registerUnits, storedReadings } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/ports.js';
import { type EdgeNode, tahuEdgeNode } from '../support/sparkplug.js';
import { createTarget, TARGET, testId, type TestTarget } from '../support/target.js';

/** The value of one sample of /metrics, 0 when absent. */
async function metric(backend: BackendProcess, sample: string): Promise<number> {
  const text = (await backend.request('GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

const refused = (reason: string): string => `scada_mqtt_auth_refused_total{reason="${reason}"}`;

/**
 * A Sparkplug edge node with device credentials on the embedded broker (no MQTT_ALLOW_ANONYMOUS): a device granted
 * `{group}/{edge node}` (sparkplug_nodes) connects with Eclipse Tahu's `sparkplug-client`, its birth and data are
 * stored and it receives the host's Rebirth NCMD; without credentials it is refused at CONNECT, and a device
 * granted another node cannot publish for this one.
 */
describe(`Sparkplug edge node credentials on the embedded broker (${TARGET} database)`, () => {
  const id = testId('spc');
  const group = `g_${id}`;
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client;
  let port: number;
  const edges: EdgeNode[] = [];
  /** Errors Tahu's client reports, by edge node (a refused CONNECT is one, with its return code). */
  const errors = new Map<string, { code?: number }[]>();

  function edgeNode(edge: string, login: { username: string; password: string }): EdgeNode {
    const client = tahuEdgeNode({
      serverUrl: `mqtt://127.0.0.1:${port}`,
      group,
      edgeNode: edge,
      clientId: `${id}_${edge}`,
      username: login.username,
      password: login.password,
    });
    client.on('birth', () =>
      client.publishNodeBirth({
        timestamp: Date.now(),
        metrics: [{ name: 'Temp', alias: 1, type: 'Double', value: 20.5 }],
      }),
    );
    client.on('error', (err: Error) => errors.set(edge, [...(errors.get(edge) ?? []), err as { code?: number }]));
    edges.push(client);
    return client;
  }

  async function device(name: string, nodes: string[]): Promise<{ username: string; password: string }> {
    const reply = await backend.request<{ username: string; password: string; sparkplug_nodes: string[] }>(
      'POST',
      '/api/v1/scada/devices',
      { name, units: [`${group}_x`], sparkplug_nodes: nodes },
    );
    expect(reply.status).toBe(201);
    expect(reply.body.sparkplug_nodes).toEqual(nodes);
    return reply.body;
  }

  beforeAll(async () => {
    target = await createTarget('sparkplug-credentials', undefined, { anonymousMqtt: false });
    port = await freePort();
    // The embedded broker whatever E2E_TARGET says: it is the one this backend enforces itself.
    const env: Record<string, string> = {
      ...target.env,
      MQTT_BROKER_PORT: String(port),
      SPARKPLUG_ENABLED: 'true',
      SPARKPLUG_HOST_ID: `h_${id}`,
      SPARKPLUG_GROUPS: group,
    };
    delete env.MQTT_BROKER_HOST;
    backend = await BackendProcess.start({ env });
    db = await connectDb(target.databaseUrl);
    db.on('error', () => undefined);
    await registerUnits(target.databaseUrl, [`${group}_edge1`, `${group}_edge2`, `${group}_edge3`]);
  }, 180_000);

  afterAll(async () => {
    for (const edge of edges) edge.stop();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it('stores the birth and data of an edge node with device credentials, which receives its NCMD', async () => {
    const login = await device('edge-one', [`${group}/edge1`]);
    const edge = edgeNode('edge1', login);
    const ncmds: UPayload[] = [];
    edge.on('ncmd', (payload: UPayload) => ncmds.push(payload));
    await eventually(async () => expect((await storedReadings(db, `${group}_edge1`, 'temp')).length).toBe(1));
    const at = Math.floor(Date.now() / 1000) * 1000 - 5000;
    edge.publishNodeData({ timestamp: at, metrics: [{ alias: 1, type: 'Double', value: 21.25 }] });
    await eventually(async () =>
      expect((await storedReadings(db, `${group}_edge1`, 'temp')).map((r) => Number(r.value))).toContain(21.25),
    );
    // The NCMD subscription (Tahu's `…/NCMD/edge1/#`) was granted: the host's Rebirth reaches it.
    expect((await backend.request('POST', `/api/v1/scada/sparkplug/nodes/${group}_edge1/rebirth`)).status).toBe(200);
    await eventually(() =>
      expect(ncmds.flatMap((p) => p.metrics ?? []).map((m) => m.name)).toContain('Node Control/Rebirth'),
    );
    expect(await metric(backend, refused('subscribe_denied'))).toBe(0);
    expect(errors.get('edge1')).toBeUndefined();
  });

  it('refuses an edge node without credentials, and a device publishing for a node it was not granted', async () => {
    const anonymousBefore = await metric(backend, refused('connect_anonymous'));
    edgeNode('edge2', { username: '', password: '' });
    await eventually(async () =>
      expect(await metric(backend, refused('connect_anonymous'))).toBeGreaterThan(anonymousBefore),
    );
    // CONNACK 5, not authorised.
    await eventually(() => expect(errors.get('edge2')?.[0]).toMatchObject({ code: 5 }));

    const deniedBefore = await metric(backend, refused('publish_topic_denied'));
    const other = await device('edge-other', [`${group}/edge1`]);
    edgeNode('edge3', other);
    await eventually(async () =>
      expect(await metric(backend, refused('publish_topic_denied'))).toBeGreaterThan(deniedBefore),
    );
    expect(await storedReadings(db, `${group}_edge2`, 'temp')).toEqual([]);
    expect(await storedReadings(db, `${group}_edge3`, 'temp')).toEqual([]);
    const nodes = await backend.request<{ id: string }[]>('GET', '/api/v1/scada/sparkplug/nodes');
    expect(nodes.body.map((n) => n.id)).toEqual([`${group}_edge1`]);
  });
});
