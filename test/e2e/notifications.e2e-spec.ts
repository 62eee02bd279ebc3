import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/ports.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

const SECRET = 'webhook-secret-0123456789';
const SMTP_PASSWORD = 'smtp-pass-4242';

interface Hook {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}
interface Mail {
  subject: string;
  text: string;
}

/** The body of a text/plain message as nodemailer sends it (quoted-printable once it holds °C). */
function decodeMail(raw: string): Mail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  let body = raw.slice(split + 4).replace(/\r\n\.\r\n$/, '');
  if (/content-transfer-encoding: quoted-printable/i.test(head)) {
    body = Buffer.from(
      body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  }
  return { subject: /^subject: (.*)$/im.exec(head)?.[1] ?? '', text: body.trim() };
}

/** The signature check a receiver does (docs/notifications.md). */
function validSignature(hook: Hook): boolean {
  const header = String(hook.headers['x-thermacore-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', SECRET).update(`${match[1]}.${hook.body}`).digest('hex');
  return expected === match[2];
}

/**
 * Notifications as a plant meets them: a real SMTP server and a real HTTP receiver started here, an alarm raised by
 * MQTT readings, e-mail and signed webhooks out, escalation that stops on acknowledgement, retries after a 500, and a
 * backend killed with a delivery queued that still delivers it once after the restart.
 */
describe(`notifications end to end (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client | undefined;
  let smtp: SMTPServer;
  let receiver: Server;
  let smtpPort: number;
  let hookPort: number;
  const mails: Mail[] = [];
  const hooks: Hook[] = [];
  /** How the receiver answers the next requests: 500s to give, then 200; `down` answers 500 until cleared. */
  let failNext = 0;
  let down = false;
  let webhookId: string;
  let emailId: string;

  async function openDb(): Promise<pg.Client> {
    await db?.end().catch(() => undefined);
    const client = await connectDb(target.databaseUrl);
    client.on('error', () => undefined);
    db = client;
    return client;
  }

  /** SQL without parameters: the embedded database runs every connection in one session. */
  async function sql<R extends pg.QueryResultRow = any>(text: string): Promise<R[]> {
    return (await db!.query<R>(text)).rows;
  }

  const api = <T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) =>
    backend.request<T>(method, `/api/v1/scada${path}`, body);

  async function publish(unitId: string, sensorType: string, value: number): Promise<void> {
    await publisher.publishAsync(`${target.topicPrefix}/${unitId}/${sensorType}`, String(value), { qos: 1 });
  }

  /** A webhook channel to the receiver at `path`, signed with SECRET. */
  async function createWebhook(name: string, path: string) {
    const reply = await api('POST', '/notifications/channels', {
      name,
      type: 'webhook',
      config: { url: `http://127.0.0.1:${hookPort}${path}`, timeout_ms: 2000 },
      secret: SECRET,
    });
    expect(reply.status).toBe(201);
    return reply;
  }

  const hooksOf = (unitId: string) =>
    hooks
      .filter((h) => h.body.includes(`"unit_id":"${unitId}"`))
      .map((h) => ({ ...h, json: JSON.parse(h.body) as { transition: string; step: number; text: string } }));
  const mailsOf = (unitId: string) => mails.filter((m) => m.subject.includes(unitId));

  beforeAll(async () => {
    smtpPort = await freePort();
    hookPort = await freePort();
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth: (auth, _session, done) =>
        auth.username === 'scada' && auth.password === SMTP_PASSWORD
          ? done(null, { user: 'scada' })
          : done(new Error('bad credentials')),
      onData: (stream, _session, done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push(decodeMail(Buffer.concat(chunks).toString('latin1')));
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = down || failNext > 0 ? 500 : 200;
        if (failNext > 0) failNext--;
        hooks.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(hookPort, '127.0.0.1', resolve));

    target = await createTarget('notifications');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        NOTIFICATIONS_ALLOWED_HOSTS: '127.0.0.1',
        NOTIFICATIONS_POLL_MS: '200',
        NOTIFICATIONS_LEASE_S: '4',
        NOTIFICATIONS_RETRY_INITIAL_MS: '300',
        NOTIFICATIONS_RETRY_MAX_MS: '600',
        // The default threshold (10 alarms in 10 minutes per channel); a summary gathers for 5 s, not 5 minutes.
        NOTIFICATIONS_FLOOD_SUMMARY_S: '5',
      },
    });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${target.topicPrefix}_pub` });
    await openDb();
  }, 180_000);

  afterAll(async () => {
    await publisher?.endAsync();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
    await new Promise((r) => smtp?.close(() => r(undefined)));
    await new Promise((r) => receiver?.close(() => r(undefined)));
  });

  it('refuses hosts outside NOTIFICATIONS_ALLOWED_HOSTS and never returns or audits a secret', async () => {
    const outside = await api('POST', '/notifications/channels', {
      name: 'metadata',
      type: 'webhook',
      config: { url: 'http://169.254.169.254/latest' },
      secret: SECRET,
    });
    expect(outside.status).toBe(400);
    expect(outside.text).toContain('NOTIFICATIONS_ALLOWED_HOSTS');

    const hook = await createWebhook('hook', '/scada');
    expect(hook.body).toMatchObject({ type: 'webhook', secret_set: true });
    webhookId = hook.body.id;
    const mail = await api('POST', '/notifications/channels', {
      name: 'mail',
      type: 'email',
      config: {
        host: '127.0.0.1',
        port: smtpPort,
        security: 'none',
        username: 'scada',
        from: 'scada@plant.example',
        to: ['oncall@plant.example'],
      },
      secret: SMTP_PASSWORD,
    });
    expect(mail.status).toBe(201);
    emailId = mail.body.id;
    const listed = await api('GET', '/notifications/channels');
    expect(listed.body).toHaveLength(2);
    expect(listed.text).not.toContain(SECRET);
    expect(listed.text).not.toContain(SMTP_PASSWORD);
    await eventually(async () => {
      const rows = await sql<{ text: string }>(
        "SELECT coalesce(new_value::text, '') AS text FROM audit_log WHERE action LIKE 'notification%'",
      );
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.map((r) => r.text).join()).not.toContain(SECRET);
      expect(rows.map((r) => r.text).join()).not.toContain(SMTP_PASSWORD);
    });
  });

  it('sends a signed test message on POST …/channels/{id}/test', async () => {
    const reply = await api('POST', `/notifications/channels/${webhookId}/test`);
    expect(reply.body).toEqual({ ok: true });
    const [test] = hooks.filter((h) => h.body.includes('"transition":"test"'));
    expect(validSignature(test)).toBe(true);
    expect(validSignature({ ...test, body: test.body.replace('test', 'tset') })).toBe(false);
  });

  it('posts {"text"} to a chat incoming webhook whose URL stays a secret', async () => {
    const chat = await api('POST', '/notifications/channels', {
      name: 'chat',
      type: 'chat',
      config: {},
      secret: `http://127.0.0.1:${hookPort}/chat/T000/B000/token-xyz`,
    });
    expect(chat.status).toBe(201);
    expect(chat.body.config).toEqual({ host: '127.0.0.1', timeout_ms: 5000 });
    expect(chat.text).not.toContain('token-xyz');
    expect((await api('POST', `/notifications/channels/${chat.body.id}/test`)).body).toEqual({ ok: true });
    const posted = hooks.filter((h) => h.body.startsWith('{"text"'));
    expect(posted).toHaveLength(1);
    expect(JSON.parse(posted[0].body)).toEqual({ text: expect.stringContaining('Test message from ThermaCore SCADA') });
    expect((await api('DELETE', `/notifications/channels/${chat.body.id}`)).status).toBe(204);
  });

  it('mails and signs the raise, escalates while unacknowledged, and stops escalating on acknowledgement', async () => {
    const rule = await api('POST', '/notifications/rules', {
      name: 'critical temperature',
      min_severity: 'high',
      sensor_types: ['temperature'],
      transitions: ['raised', 'acknowledged'],
      channel_ids: [webhookId, emailId],
      subject: '[{severity}] {unit_id} {sensor_type}: {transition} {step}',
      template: '{message} (value {value}, state {state})',
      escalation: [
        { delay_seconds: 2, channel_ids: [emailId] },
        { delay_seconds: 120, channel_ids: [emailId] },
      ],
    });
    expect(rule.status).toBe(201);

    await publish('UNIT001', 'temperature', 90);
    await eventually(() => expect(mailsOf('UNIT001').length).toBeGreaterThanOrEqual(2), 20_000);
    const [raised, escalated] = mailsOf('UNIT001');
    expect(raised).toEqual({
      subject: '[critical] UNIT001 temperature: raised 0',
      text: 'High temperature alert: 90°C (value 90, state active_unacknowledged)',
    });
    expect(escalated.subject).toBe('[critical] UNIT001 temperature: escalated 1');
    const [hook] = hooksOf('UNIT001');
    expect(validSignature(hook)).toBe(true);
    expect(hook.json).toMatchObject({ transition: 'raised', step: 0, text: raised.text });

    const [alarm] = await sql<{ id: string }>("SELECT id FROM alarms WHERE unit_id = 'UNIT001'");
    const ack = await api('POST', `/alerts/${alarm.id}/acknowledge`, { comment: 'on it' });
    expect(ack.status).toBe(200);
    await eventually(() =>
      expect(hooksOf('UNIT001').map((h) => h.json.transition)).toEqual(['raised', 'acknowledged']),
    );
    await eventually(async () => {
      const rows = await sql<{ step: number; status: string; last_error: string | null }>(
        `SELECT step, status, last_error FROM notification_deliveries
         WHERE alarm_id = '${alarm.id}' AND kind = 'escalation' ORDER BY step`,
      );
      expect(rows).toEqual([
        { step: 1, status: 'delivered', last_error: null },
        { step: 2, status: 'cancelled', last_error: 'alarm acknowledged' },
      ]);
    });
    // Cancelled rows are never claimed again: the second escalation e-mail can no longer exist.
    expect(mailsOf('UNIT001').filter((m) => m.subject.includes('escalated'))).toHaveLength(1);
  });

  it('retries a webhook that answered 500 until it takes the delivery, with the same delivery id', async () => {
    failNext = 2;
    await publish('UNIT002', 'temperature', 95);
    await eventually(() => expect(hooksOf('UNIT002').map((h) => h.status)).toEqual([500, 500, 200]), 20_000);
    const ids = new Set(hooksOf('UNIT002').map((h) => h.headers['x-thermacore-delivery']));
    expect(ids.size).toBe(1);
    expect(hooksOf('UNIT002').every(validSignature)).toBe(true);
    await eventually(async () => {
      const rows = await sql<{ status: string; attempts: number }>(
        `SELECT status, attempts FROM notification_deliveries WHERE unit_id = 'UNIT002' AND channel_id = '${webhookId}'`,
      );
      expect(rows).toEqual([{ status: 'delivered', attempts: 3 }]);
    });
    const page = await api('GET', '/notifications/deliveries?status=delivered&limit=1');
    expect(page.body.items).toHaveLength(1);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const next = await api('GET', `/notifications/deliveries?status=delivered&limit=1&cursor=${page.body.next_cursor}`);
    expect(Number(next.body.items[0].id)).toBeLessThan(Number(page.body.items[0].id));
    const metrics = await backend.request('GET', '/metrics');
    expect(metrics.text).toMatch(
      /scada_notification_sends_total\{channel="hook",channel_type="webhook",outcome="retried"\} [2-9]/,
    );
    expect(metrics.text).toContain('scada_notification_outbox_depth');
  });

  it('loses no queued delivery when the backend is killed, and delivers it once after the restart', async () => {
    down = true;
    await publish('UNIT003', 'temperature', 99);
    await eventually(async () => {
      const rows = await sql<{ attempts: number }>(
        `SELECT attempts FROM notification_deliveries WHERE unit_id = 'UNIT003' AND channel_id = '${webhookId}'`,
      );
      expect(rows[0]?.attempts).toBeGreaterThanOrEqual(1);
    }, 20_000);
    await backend.kill();
    down = false;
    await backend.restart();
    await openDb();
    await eventually(async () => {
      const rows = await sql<{ status: string }>(
        `SELECT status FROM notification_deliveries WHERE unit_id = 'UNIT003' AND channel_id = '${webhookId}'`,
      );
      expect(rows).toEqual([{ status: 'delivered' }]);
    }, 30_000);
    expect(hooksOf('UNIT003').filter((h) => h.status === 200)).toHaveLength(1);
  });

  it('turns 100 alarms in a minute into the critical ones one by one plus one summary of the rest', async () => {
    for (const [sensor, severity, message] of [
      ['vibration', 'warning', 'Vibration {value} mm/s on {unit_id}'],
      ['overheat', 'critical', 'Overheat {value} on {unit_id}'],
    ]) {
      const rule = await api('POST', '/alerts/rules', {
        sensor_type: sensor,
        condition: 'greater_than',
        threshold: 5,
        severity,
        message,
      });
      expect(rule.status).toBe(201);
    }
    const channel = await createWebhook('flood', '/flood');
    const rule = await api('POST', '/notifications/rules', {
      name: 'plant floor',
      sensor_types: ['vibration', 'overheat'],
      channel_ids: [channel.body.id],
    });
    expect(rule.status).toBe(201);

    // 100 units, every tenth overheating (critical), the rest vibrating (warning): a power dip's storm.
    const units = Array.from({ length: 100 }, (_, i) => `F${String(i).padStart(3, '0')}`);
    const critical = new Set(units.filter((_, i) => i % 10 === 0));
    await Promise.all(units.map((u) => publish(u, critical.has(u) ? 'overheat' : 'vibration', 9)));

    const flood = () =>
      hooks
        .filter((h) => h.url === '/flood')
        .map((h) => ({
          ...h,
          json: JSON.parse(h.body) as {
            transition: string;
            alarm: { unit_id: string; severity: string } | null;
            summary?: { notifications: number; alarms: number; by_severity: Record<string, number> };
            text: string;
          },
        }));
    const summaries = () => flood().filter((h) => h.json.transition === 'flood_summary');
    await eventually(() => expect(summaries()).toHaveLength(1), 30_000);
    const individual = flood().filter((h) => h.json.alarm !== null);
    const [summary] = summaries();
    expect(summary.json.summary).toBeDefined();
    const figures = summary.json.summary!;
    // Every critical alarm went out by itself; so did the first 10 alarms (before it was a flood), and nothing else.
    expect(
      individual
        .filter((h) => h.json.alarm!.severity === 'critical')
        .map((h) => h.json.alarm!.unit_id)
        .sort(),
    ).toEqual([...critical].sort());
    const warningsAlone = individual.filter((h) => h.json.alarm!.severity === 'warning').length;
    expect(warningsAlone).toBeLessThanOrEqual(10);
    expect(figures).toMatchObject({ notifications: 90 - warningsAlone, alarms: 90 - warningsAlone });
    expect(figures.by_severity).toEqual({ warning: 90 - warningsAlone });
    expect(individual.length + figures.notifications).toBe(100);
    expect(validSignature(summary)).toBe(true);
    expect(summary.json.text).toContain("Alarm flood on 'flood'");

    const rows = await sql<{ status: string; n: number; reported: number }>(
      `SELECT status, count(*)::int AS n, count(summary_id)::int AS reported FROM notification_deliveries
       WHERE channel_id = '${channel.body.id}' GROUP BY status ORDER BY status`,
    );
    expect(rows).toEqual([
      { status: 'delivered', n: individual.length + 1, reported: 0 },
      { status: 'suppressed', n: figures.notifications, reported: figures.notifications },
    ]);
    const metrics = (await backend.request('GET', '/metrics')).text;
    expect(metrics).toContain(`scada_notification_suppressed_total ${figures.notifications}`);
    expect(metrics).toContain('scada_notification_flood_summaries_total{channel="flood"} 1');
    expect(metrics).toMatch(/scada_notification_flood_active [1-9]/);
    // A second summary would need another folded notification; none is queued.
    await eventually(async () => {
      const open = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification_deliveries
         WHERE channel_id = '${channel.body.id}' AND status IN ('pending', 'sending')`,
      );
      expect(open).toEqual([{ n: 0 }]);
    });
    expect(summaries()).toHaveLength(1);
  });

  it('holds a non-critical notification in quiet hours until they end, sends a critical one, refuses unknown zones', async () => {
    const channel = await createWebhook('quiet', '/quiet');
    const refused = await api('POST', '/notifications/rules', {
      name: 'nowhere',
      channel_ids: [channel.body.id],
      quiet_hours: { start: '22:00', end: '06:00', timezone: 'Mars/Olympus' },
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(
      "quiet_hours.timezone must be an IANA time zone (e.g. Europe/Berlin), got 'Mars/Olympus'",
    );

    // Quiet from an hour ago to an hour from now (UTC), whatever the time of day the spec runs at.
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const now = Date.now();
    const endMs = Math.floor((now + 3_600_000) / 60_000) * 60_000;
    const quietHours = { start: hhmm(now - 3_600_000), end: hhmm(endMs), timezone: 'UTC' };
    const rule = await api('POST', '/notifications/rules', {
      name: 'night shift',
      unit_ids: ['Q001', 'Q002'],
      sensor_types: ['vibration', 'overheat'],
      channel_ids: [channel.body.id],
      quiet_hours: quietHours,
    });
    expect(rule.status).toBe(201);
    expect((await api('GET', `/notifications/rules/${rule.body.id}`)).body.quiet_hours).toEqual(quietHours);

    await publish('Q001', 'vibration', 9);
    await publish('Q002', 'overheat', 9);
    await eventually(() =>
      expect(
        hooks
          .filter((h) => h.url === '/quiet')
          .map((h) => (JSON.parse(h.body) as { alarm: { unit_id: string } }).alarm.unit_id),
      ).toEqual(['Q002']),
    );
    await eventually(async () => {
      const rows = await sql<{ status: string; due: string; last_error: string }>(
        `SELECT status, due_at AS due, last_error FROM notification_deliveries
         WHERE channel_id = '${channel.body.id}' AND unit_id = 'Q001'`,
      );
      expect(rows).toEqual([
        {
          status: 'pending',
          due: new Date(endMs),
          last_error: `held: quiet hours until ${new Date(endMs).toISOString()}`,
        },
      ]);
    });
  });
});
