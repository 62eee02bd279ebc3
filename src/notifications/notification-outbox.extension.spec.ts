import { raiseAlarm, shelveAlarm, type LifecycleResult } from '../alerts/alarm-lifecycle.js';
import { NotificationOutboxExtension } from './notification-outbox.extension.js';

const T0 = 1_764_000_000_000;
const ok = (r: LifecycleResult) => {
  if (!r.ok) throw new Error(r.error.message);
  return { alarm: r.alarm, transition: r.transition };
};

describe('NotificationOutboxExtension', () => {
  const raised = ok(
    raiseAlarm(null, {
      id: 'a1',
      ruleId: 'r1',
      unitId: 'UNIT001',
      sensorType: 'temperature',
      severity: 'high',
      message: 'hot',
      value: 90,
      threshold: 85,
      at: T0 + 0.5,
    }),
  );

  it('hands the statement each notifiable transition with its kinds, rank, key and the alarm as it was', () => {
    const extension = new NotificationOutboxExtension(10);
    const shelved = ok(shelveAlarm(raised.alarm, { at: T0 + 1, until: T0 + 60_000, actor: 'op', reason: 'r' }));
    const [json, cap] = extension.params([raised, shelved]) as [string, number];
    expect(cap).toBe(10);
    const rows = JSON.parse(json) as ReturnType<NotificationOutboxExtension['transitions']>;
    expect(rows.map((r) => [r.ord, r.key, r.kinds, r.severity_rank, r.at])).toEqual([
      [0, `a1|raise|${(T0 + 0.5) * 1000}`, ['raised'], 2, (T0 + 0.5) * 1000],
      [1, `a1|shelve|${(T0 + 1) * 1000}`, ['shelved'], 2, (T0 + 1) * 1000],
    ]);
    expect(rows[1].payload).toMatchObject({ unit_id: 'UNIT001', state: 'active_unacknowledged', actor: 'op' });
  });

  it('numbers its two parameters from where the writer says', () => {
    const statement = new NotificationOutboxExtension(1).statement(7);
    expect(statement).toContain('$7::jsonb');
    expect(statement).toContain('$8::int');
    expect(statement).not.toContain('$9');
  });
});
