import type pg from 'pg';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectSocket } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

interface Alert {
  id: string;
  unit_id: string;
  sensor_type: string;
  state: string;
  action: string;
  severity: string;
}

/**
 * A failed audit write is counted and alarmed (issue #23): while the database refuses audit rows (here the table
 * is renamed away by the superuser), /metrics counts every refusal and one plant-wide system alarm (`@system`,
 * `audit_log`) is listed and sent as system_alert to unscoped clients only; the next stored row clears it, and it
 * stays listed until acknowledged.
 */
describe(`a failing audit log raises a system alarm (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let db: pg.Client;
  let socket: Socket;
  const received: Alert[] = [];

  const systemAlarms = async (headers: Record<string, string> = {}): Promise<Alert[]> => {
    const reply = await backend.request<Alert[]>('GET', '/api/v1/scada/alerts', undefined, headers);
    expect(reply.status).toBe(200);
    return reply.body.filter((a) => a.unit_id === '@system');
  };

  const failures = async (): Promise<number> => {
    const text = (await backend.request('GET', '/metrics')).text;
    return Number(/^scada_audit_write_failures_total (\d+)$/m.exec(text)?.[1]);
  };

  beforeAll(async () => {
    target = await createTarget('audit_alarm');
    backend = await BackendProcess.start({ env: target.env });
    db = await connectDb(target.databaseUrl);
    socket = await connectSocket(backend.url, backend.token);
    socket.on('system_alert', (alert: Alert) => void received.push(alert));
  });

  afterAll(async () => {
    socket?.disconnect();
    await db?.end();
    await backend?.stop();
    await target?.dispose();
  });

  it('raises one alarm while writes fail, counts each failure, clears on the next stored write', async () => {
    expect(await systemAlarms()).toEqual([]);
    expect(await failures()).toBe(0);

    await db.query('ALTER TABLE audit_log RENAME TO audit_log_away');
    // Management actions still succeed; their audit rows are refused. The scoped key is made while it fails.
    const scoped = await backend.createKey('viewer', { name: 'viewer-unit1', units: ['UNIT001'] });
    await backend.createKey('viewer');
    await backend.createKey('viewer');
    await eventually(async () => expect(await failures()).toBeGreaterThanOrEqual(3));
    const [alarm] = await eventually(async () => {
      const open = await systemAlarms();
      expect(open).toEqual([
        expect.objectContaining({ sensor_type: 'audit_log', state: 'active_unacknowledged', severity: 'high' }),
      ]);
      return open;
    });
    expect(received.filter((a) => a.unit_id === '@system').map((a) => a.action)).toEqual(['raise']);
    // A credential limited to some units sees no plant-wide system alarm, neither listed nor by id.
    expect(await systemAlarms({ authorization: `Bearer ${scoped}` })).toEqual([]);
    const byId = await backend.request('GET', `/api/v1/scada/alerts/${alarm.id}`, undefined, {
      authorization: `Bearer ${scoped}`,
    });
    expect(byId.status).toBe(403);

    await db.query('ALTER TABLE audit_log_away RENAME TO audit_log');
    await backend.createKey('viewer');
    await eventually(async () =>
      expect(await systemAlarms()).toEqual([
        expect.objectContaining({ id: alarm.id, state: 'cleared_unacknowledged' }),
      ]),
    );
    const failed = await failures();
    expect(failed).toBeGreaterThanOrEqual(3);

    const ack = await backend.request('POST', `/api/v1/scada/alerts/${alarm.id}/acknowledge`, {
      comment: 'table back',
    });
    expect(ack.status).toBe(200);
    expect(await systemAlarms()).toEqual([]);
    await eventually(() =>
      expect(received.filter((a) => a.unit_id === '@system').map((a) => a.action)).toEqual([
        'raise',
        'clear',
        'acknowledge',
      ]),
    );
    // The log works again: the acknowledgement itself is stored, and nothing more failed.
    await eventually(async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_log WHERE target->>'alarm_id' = $1 OR old_value->>'alarm_id' = $1`,
        [alarm.id],
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(1);
    });
    expect(await failures()).toBe(failed);
  });
});
