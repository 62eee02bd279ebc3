import {
  acknowledgeAlarm,
  clearAlarm,
  disableAlarm,
  type LifecycleResult,
  raiseAlarm,
  shelveAlarm,
} from '../alerts/alarm-lifecycle.js';
import {
  DEFAULT_SUBJECT,
  DEFAULT_TEMPLATE,
  type NotificationRuleDefinition,
  notifyTransitionsOf,
  validateNotificationRule,
} from './notification-rule.js';

const T0 = 1_764_000_000_000;
const ok = (r: LifecycleResult) => {
  if (!r.ok) throw new Error(r.error.message);
  return { alarm: r.alarm, transition: r.transition };
};
const raised = ok(
  raiseAlarm(null, {
    id: 'a1',
    ruleId: 'r1',
    unitId: 'UNIT001',
    sensorType: 'temperature',
    severity: 'critical',
    message: 'hot',
    value: 90,
    threshold: 85,
    at: T0,
  }),
);

describe('notifyTransitionsOf', () => {
  it('names what each lifecycle step tells, most specific first', () => {
    expect(notifyTransitionsOf(raised)).toEqual(['raised']);
    const acked = ok(acknowledgeAlarm(raised.alarm, { at: T0 + 1, actor: 'op' }));
    expect(notifyTransitionsOf(acked)).toEqual(['acknowledged']);
    expect(notifyTransitionsOf(ok(clearAlarm(acked.alarm, { at: T0 + 2 })))).toEqual(['returned_to_normal', 'cleared']);
    const rtn = ok(clearAlarm(raised.alarm, { at: T0 + 2 }));
    expect(notifyTransitionsOf(rtn)).toEqual(['returned_to_normal']);
    expect(notifyTransitionsOf(ok(acknowledgeAlarm(rtn.alarm, { at: T0 + 3, actor: 'op' })))).toEqual([
      'acknowledged',
      'cleared',
    ]);
    expect(notifyTransitionsOf(ok(disableAlarm(raised.alarm, { at: T0 + 4 })))).toEqual(['cleared']);
  });

  it('tells the shelving, then nothing while the shelve runs', () => {
    const shelved = ok(shelveAlarm(raised.alarm, { at: T0 + 1, until: T0 + 60_000, actor: 'op', reason: 'chatter' }));
    expect(notifyTransitionsOf(shelved)).toEqual(['shelved']);
    expect(notifyTransitionsOf(ok(clearAlarm(shelved.alarm, { at: T0 + 2 })))).toEqual([]);
  });
});

describe('validateNotificationRule', () => {
  const rule: NotificationRuleDefinition = {
    name: 'r',
    enabled: true,
    minSeverity: 'high',
    unitIds: [],
    sensorTypes: [],
    alertRuleIds: [],
    transitions: ['raised'],
    channelIds: ['c1'],
    subject: DEFAULT_SUBJECT,
    template: DEFAULT_TEMPLATE,
    escalation: [{ delaySeconds: 60, channelIds: ['c2'] }],
    quietHours: null,
  };
  const known = (id: string) => id === 'c1' || id === 'c2';

  it('accepts a complete rule with the default templates', () => {
    expect(validateNotificationRule(rule, known)).toEqual([]);
  });

  it('names unknown channels, placeholders, empty routes and escalation steps out of order', () => {
    expect(
      validateNotificationRule(
        {
          ...rule,
          channelIds: ['c9'],
          template: '{valeu}',
          escalation: [
            { delaySeconds: 60, channelIds: ['c2'] },
            { delaySeconds: 30, channelIds: [] },
          ],
        },
        known,
      ),
    ).toEqual([
      "Unknown notification channel 'c9'",
      'escalation[1].delay_seconds must be later than the step before',
      'escalation[1].channel_ids must name at least one channel',
      expect.stringContaining('template uses {valeu}'),
    ]);
    expect(validateNotificationRule({ ...rule, transitions: [], escalation: [] }, known)).toEqual([
      'transitions must name at least one transition (or the rule must escalate)',
    ]);
  });

  it('refuses quiet hours with a time zone Intl does not know or times that are not HH:MM', () => {
    expect(
      validateNotificationRule(
        { ...rule, quietHours: { start: '22:00', end: '06:00', timezone: 'Europe/Berlin' } },
        known,
      ),
    ).toEqual([]);
    expect(
      validateNotificationRule(
        { ...rule, quietHours: { start: '24:00', end: '06:00', timezone: 'Mars/Olympus' } },
        known,
      ),
    ).toEqual([
      "quiet_hours.start must be HH:MM (00:00 to 23:59), got '24:00'",
      "quiet_hours.timezone must be an IANA time zone (e.g. Europe/Berlin), got 'Mars/Olympus'",
    ]);
  });
});
