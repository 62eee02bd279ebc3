import { acknowledgeAlarm, raiseAlarm } from './alarm-lifecycle.js';
import { toSystemAlert } from './system-alert.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('toSystemAlert', () => {
  it('carries the alarm after the transition, with ISO times and what happened', () => {
    const raised = raiseAlarm(null, {
      id: 'a1',
      ruleId: 'r1',
      unitId: 'UNIT001',
      sensorType: 'temperature',
      severity: 'critical',
      message: 'High temperature alert: 90°C',
      value: 90,
      threshold: 85,
      at: T0,
    });
    if (!raised.ok) throw new Error('raise failed');
    expect(toSystemAlert(raised)).toEqual({
      id: 'a1',
      rule_id: 'r1',
      unit_id: 'UNIT001',
      sensor_type: 'temperature',
      severity: 'critical',
      state: 'active_unacknowledged',
      action: 'raise',
      message: 'High temperature alert: 90°C',
      value: 90,
      threshold: 85,
      raised_at: '2026-11-27T12:00:00.000Z',
      acknowledged_at: null,
      cleared_at: null,
      shelved_until: null,
    });
    const acked = acknowledgeAlarm(raised.alarm, { at: T0 + 1500, actor: 'op' });
    if (!acked.ok) throw new Error('acknowledge failed');
    expect(toSystemAlert(acked)).toMatchObject({
      state: 'active_acknowledged',
      action: 'acknowledge',
      acknowledged_at: '2026-11-27T12:00:01.500Z',
    });
  });
});
