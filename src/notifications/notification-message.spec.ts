import { type NotificationPayload, renderNotification } from './notification-message.js';

const payload: NotificationPayload = {
  alarm_id: 'a1',
  rule_id: 'r1',
  unit_id: 'UNIT001',
  sensor_type: 'temperature',
  severity: 'critical',
  value: 90.40000000000001,
  threshold: 85,
  state: 'active_unacknowledged',
  message: 'High temperature alert: 90.4°C',
  raised_at: '2026-01-01T00:00:00.000Z',
  at: '2026-01-01T00:00:00.000Z',
  actor: null,
};

describe('renderNotification', () => {
  it('fills the alarm fields, rounds numbers and leaves unknown placeholders visible', () => {
    expect(
      renderNotification(
        { subject: '[{severity}] {unit_id}: {transition}', template: '{message} value {value} {nope} by {actor}' },
        payload,
        'returned_to_normal',
        0,
      ),
    ).toEqual({
      subject: '[critical] UNIT001: returned to normal',
      text: 'High temperature alert: 90.4°C value 90.4 {nope} by n/a',
    });
  });

  it('says escalated and the step for escalation deliveries', () => {
    expect(renderNotification({ subject: '{transition} {step}', template: 'x' }, payload, 'raised', 2).subject).toBe(
      'escalated 2',
    );
  });

  it('does not expand placeholders that arrive inside values', () => {
    const text = renderNotification(
      { subject: 's', template: '{message}' },
      { ...payload, message: '{unit_id}' },
      'raised',
      0,
    );
    expect(text.text).toBe('{unit_id}');
  });
});
