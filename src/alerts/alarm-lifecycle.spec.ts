import {
  type Alarm,
  type AlarmChange,
  type AlarmState,
  type LifecycleResult,
  type RaiseInput,
  acknowledgeAlarm,
  alarmKey,
  annunciates,
  clearAlarm,
  disableAlarm,
  expireShelve,
  isActive,
  isClosed,
  isShelved,
  raiseAlarm,
  shelveAlarm,
  unshelveAlarm,
} from './alarm-lifecycle.js';

const T0 = 1_764_000_000_000;
const at = (seconds: number) => T0 + seconds * 1000;
const MINUTE = 60_000;

function raiseInput(overrides: Partial<RaiseInput> = {}): RaiseInput {
  return {
    id: 'a1',
    ruleId: 'r1',
    unitId: 'UNIT001',
    sensorType: 'temperature',
    severity: 'critical',
    message: 'High temperature alert: 90°C',
    value: 90,
    threshold: 85,
    at: at(0),
    ...overrides,
  };
}

/** Unwraps a successful operation, failing the test with the error otherwise. */
function ok(result: LifecycleResult): AlarmChange {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return { alarm: Object.freeze(result.alarm), transition: result.transition };
}

function errorCode(result: LifecycleResult): string | undefined {
  return result.ok ? undefined : result.error.code;
}

const raised = () => ok(raiseAlarm(null, raiseInput())).alarm;
const acknowledged = () => ok(acknowledgeAlarm(raised(), { at: at(10), actor: 'alice' })).alarm;
const returnedUnacknowledged = () => ok(clearAlarm(raised(), { at: at(20), value: 80 })).alarm;
const closed = () => ok(clearAlarm(acknowledged(), { at: at(20), value: 80 })).alarm;

const inState: Record<AlarmState, () => Alarm> = {
  active_unacknowledged: raised,
  active_acknowledged: acknowledged,
  cleared_unacknowledged: returnedUnacknowledged,
  cleared: closed,
};

describe('raiseAlarm', () => {
  it('opens a new active, unacknowledged alarm', () => {
    const { alarm, transition } = ok(raiseAlarm(null, raiseInput()));
    expect(alarm).toEqual({
      id: 'a1',
      ruleId: 'r1',
      unitId: 'UNIT001',
      sensorType: 'temperature',
      severity: 'critical',
      state: 'active_unacknowledged',
      message: 'High temperature alert: 90°C',
      value: 90,
      threshold: 85,
      raisedAt: at(0),
      raiseCount: 1,
      acknowledgedAt: null,
      acknowledgedBy: null,
      acknowledgeComment: null,
      clearedAt: null,
      closedAt: null,
      shelvedUntil: null,
      shelvedBy: null,
      shelveReason: null,
    });
    expect(transition).toEqual({ alarmId: 'a1', action: 'raise', from: null, to: 'active_unacknowledged', at: at(0) });
    expect(annunciates(alarm, at(0))).toBe(true);
  });

  it.each(['active_unacknowledged', 'active_acknowledged'] as const)(
    'refuses while the alarm is %s: one alarm per (rule, sensor)',
    (state) => {
      const result = raiseAlarm(inState[state](), raiseInput({ id: 'a2', at: at(30) }));
      expect(errorCode(result)).toBe('already_active');
    },
  );

  it('reactivates the same alarm when it re-alarms before anyone acknowledged it', () => {
    const { alarm, transition } = ok(
      raiseAlarm(returnedUnacknowledged(), raiseInput({ id: 'ignored', at: at(30), value: 92, message: 'again' })),
    );
    expect(alarm).toMatchObject({
      id: 'a1',
      state: 'active_unacknowledged',
      raisedAt: at(0),
      raiseCount: 2,
      value: 92,
      message: 'again',
      clearedAt: null,
    });
    expect(transition).toEqual({
      alarmId: 'a1',
      action: 'raise',
      from: 'cleared_unacknowledged',
      to: 'active_unacknowledged',
      at: at(30),
    });
  });

  it('opens a new alarm after the previous one closed', () => {
    const { alarm, transition } = ok(raiseAlarm(closed(), raiseInput({ id: 'a2', at: at(30) })));
    expect(alarm).toMatchObject({ id: 'a2', state: 'active_unacknowledged', raisedAt: at(30), raiseCount: 1 });
    expect(alarm.acknowledgedAt).toBeNull();
    expect(transition.from).toBeNull();
  });

  it('refuses an alarm of another rule or sensor', () => {
    expect(errorCode(raiseAlarm(closed(), raiseInput({ ruleId: 'r2' })))).toBe('wrong_alarm');
    expect(errorCode(raiseAlarm(closed(), raiseInput({ unitId: 'UNIT002' })))).toBe('wrong_alarm');
    expect(errorCode(raiseAlarm(closed(), raiseInput({ sensorType: 'pressure' })))).toBe('wrong_alarm');
  });
});

describe('clearAlarm (return to normal)', () => {
  it('moves an unacknowledged alarm to cleared_unacknowledged: it stays open until acknowledged', () => {
    const { alarm, transition } = ok(clearAlarm(raised(), { at: at(20), value: 80 }));
    expect(alarm).toMatchObject({ state: 'cleared_unacknowledged', value: 80, clearedAt: at(20), closedAt: null });
    expect(transition).toEqual({
      alarmId: 'a1',
      action: 'clear',
      from: 'active_unacknowledged',
      to: 'cleared_unacknowledged',
      at: at(20),
    });
    expect(isClosed(alarm)).toBe(false);
    expect(annunciates(alarm, at(20))).toBe(true);
  });

  it('closes an acknowledged alarm', () => {
    const { alarm, transition } = ok(clearAlarm(acknowledged(), { at: at(20) }));
    expect(alarm).toMatchObject({ state: 'cleared', value: 90, clearedAt: at(20), closedAt: at(20) });
    expect(transition).toMatchObject({ from: 'active_acknowledged', to: 'cleared' });
    expect(annunciates(alarm, at(20))).toBe(false);
  });

  it.each(['cleared_unacknowledged', 'cleared'] as const)('refuses an alarm that is %s', (state) => {
    expect(errorCode(clearAlarm(inState[state](), { at: at(30) }))).toBe('not_active');
  });
});

describe('acknowledgeAlarm', () => {
  it('moves an active alarm to active_acknowledged, recording who, when and why', () => {
    const { alarm, transition } = ok(
      acknowledgeAlarm(raised(), { at: at(10), actor: 'alice', comment: 'Cooling water valve opened' }),
    );
    expect(alarm).toMatchObject({
      state: 'active_acknowledged',
      acknowledgedAt: at(10),
      acknowledgedBy: 'alice',
      acknowledgeComment: 'Cooling water valve opened',
      closedAt: null,
    });
    expect(transition).toEqual({
      alarmId: 'a1',
      action: 'acknowledge',
      from: 'active_unacknowledged',
      to: 'active_acknowledged',
      at: at(10),
      actor: 'alice',
      comment: 'Cooling water valve opened',
    });
    expect(isActive(alarm)).toBe(true);
  });

  it('closes an alarm that already returned to normal', () => {
    const { alarm, transition } = ok(acknowledgeAlarm(returnedUnacknowledged(), { at: at(30), actor: 'bob' }));
    expect(alarm).toMatchObject({ state: 'cleared', clearedAt: at(20), closedAt: at(30), acknowledgedBy: 'bob' });
    expect(transition).toEqual({
      alarmId: 'a1',
      action: 'acknowledge',
      from: 'cleared_unacknowledged',
      to: 'cleared',
      at: at(30),
      actor: 'bob',
    });
  });

  it('refuses an alarm that is already acknowledged', () => {
    const result = acknowledgeAlarm(acknowledged(), { at: at(11), actor: 'bob' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'already_acknowledged', message: 'Alarm a1 is already acknowledged' },
    });
  });

  it('refuses a closed alarm', () => {
    expect(errorCode(acknowledgeAlarm(closed(), { at: at(30), actor: 'bob' }))).toBe('alarm_closed');
  });

  it('refuses without an actor', () => {
    expect(errorCode(acknowledgeAlarm(raised(), { at: at(10), actor: '  ' }))).toBe('actor_required');
  });

  it('drops a blank comment', () => {
    const { alarm, transition } = ok(acknowledgeAlarm(raised(), { at: at(10), actor: 'alice', comment: ' ' }));
    expect(alarm.acknowledgeComment).toBeNull();
    expect(transition).not.toHaveProperty('comment');
  });
});

describe('shelving', () => {
  const shelve = (alarm: Alarm, minutes = 30) =>
    shelveAlarm(alarm, {
      at: at(10),
      until: at(10) + minutes * MINUTE,
      actor: 'alice',
      reason: 'Sensor being recalibrated',
    });

  it.each(['active_unacknowledged', 'active_acknowledged', 'cleared_unacknowledged'] as const)(
    'shelves an alarm that is %s: tracked, same state, not annunciated',
    (state) => {
      const before = inState[state]();
      const { alarm, transition } = ok(shelve(before));
      expect(alarm.state).toBe(state);
      expect(alarm).toMatchObject({
        shelvedUntil: at(10) + 30 * MINUTE,
        shelvedBy: 'alice',
        shelveReason: 'Sensor being recalibrated',
      });
      expect(transition).toEqual({
        alarmId: 'a1',
        action: 'shelve',
        from: state,
        to: state,
        at: at(10),
        actor: 'alice',
        comment: 'Sensor being recalibrated',
        shelvedUntil: at(10) + 30 * MINUTE,
      });
      expect(isShelved(alarm, at(11))).toBe(true);
      expect(annunciates(alarm, at(11))).toBe(false);
      expect(annunciates(alarm, at(10) + 30 * MINUTE)).toBe(true);
    },
  );

  it('keeps the lifecycle moving while shelved', () => {
    const shelved = ok(shelve(raised())).alarm;
    const acked = ok(acknowledgeAlarm(shelved, { at: at(20), actor: 'bob' })).alarm;
    const cleared = ok(clearAlarm(acked, { at: at(30) })).alarm;
    expect(cleared.state).toBe('cleared');
    expect(cleared.shelvedUntil).toBe(at(10) + 30 * MINUTE);
  });

  it('replaces the period when shelved again', () => {
    const once = ok(shelve(raised(), 30)).alarm;
    const twice = ok(
      shelveAlarm(once, { at: at(20), until: at(20) + 5 * MINUTE, actor: 'bob', reason: 'shorter' }),
    ).alarm;
    expect(twice).toMatchObject({ shelvedUntil: at(20) + 5 * MINUTE, shelvedBy: 'bob', shelveReason: 'shorter' });
  });

  it('refuses a closed alarm, a missing actor or reason, and a period that does not end in the future', () => {
    expect(errorCode(shelve(closed()))).toBe('alarm_closed');
    const base = { at: at(10), until: at(70), actor: 'alice', reason: 'r' };
    expect(errorCode(shelveAlarm(raised(), { ...base, actor: '' }))).toBe('actor_required');
    expect(errorCode(shelveAlarm(raised(), { ...base, reason: '  ' }))).toBe('reason_required');
    expect(errorCode(shelveAlarm(raised(), { ...base, until: at(10) }))).toBe('invalid_shelve_period');
    expect(errorCode(shelveAlarm(raised(), { ...base, until: at(5) }))).toBe('invalid_shelve_period');
    expect(errorCode(shelveAlarm(raised(), { ...base, until: NaN }))).toBe('invalid_shelve_period');
  });

  it('un-shelves on request', () => {
    const shelved = ok(shelve(raised())).alarm;
    const { alarm, transition } = ok(unshelveAlarm(shelved, { at: at(20), actor: 'alice', comment: 'done' }));
    expect(alarm).toMatchObject({ shelvedUntil: null, shelvedBy: null, shelveReason: null });
    expect(transition).toEqual({
      alarmId: 'a1',
      action: 'unshelve',
      from: 'active_unacknowledged',
      to: 'active_unacknowledged',
      at: at(20),
      actor: 'alice',
      comment: 'done',
    });
    expect(annunciates(alarm, at(20))).toBe(true);
  });

  it('refuses to un-shelve an alarm that is not shelved', () => {
    expect(errorCode(unshelveAlarm(raised(), { at: at(20), actor: 'alice' }))).toBe('not_shelved');
  });

  it('un-shelves by itself when the period runs out, dated at its end', () => {
    const shelved = ok(shelve(raised(), 30)).alarm;
    const end = at(10) + 30 * MINUTE;
    expect(expireShelve(shelved, end - 1)).toBeNull();
    const expired = expireShelve(shelved, end + 5000);
    expect(expired?.alarm.shelvedUntil).toBeNull();
    expect(expired?.transition).toEqual({
      alarmId: 'a1',
      action: 'unshelve',
      from: 'active_unacknowledged',
      to: 'active_unacknowledged',
      at: end,
      comment: 'shelve expired',
    });
    expect(expireShelve(raised(), end)).toBeNull();
  });

  it('belongs to the (rule, sensor): a raise after a closed, still-shelved alarm opens the new one shelved', () => {
    const shelved = ok(shelve(acknowledged(), 30)).alarm;
    const closedShelved = ok(clearAlarm(shelved, { at: at(20) })).alarm;
    const { alarm, transition } = ok(raiseAlarm(closedShelved, raiseInput({ id: 'a2', at: at(40) })));
    expect(alarm).toMatchObject({ id: 'a2', shelvedUntil: at(10) + 30 * MINUTE, shelvedBy: 'alice' });
    expect(transition).toMatchObject({ from: null, shelvedUntil: at(10) + 30 * MINUTE });
    expect(annunciates(alarm, at(40))).toBe(false);
    // After the period, a new occurrence annunciates as usual.
    const later = ok(raiseAlarm(closedShelved, raiseInput({ id: 'a3', at: at(10) + 31 * MINUTE }))).alarm;
    expect(later.shelvedUntil).toBeNull();
    expect(annunciates(later, at(10) + 31 * MINUTE)).toBe(true);
  });
});

describe('disableAlarm (rule disabled)', () => {
  it.each(['active_unacknowledged', 'active_acknowledged', 'cleared_unacknowledged'] as const)(
    'closes an alarm that is %s',
    (state) => {
      const { alarm, transition } = ok(disableAlarm(inState[state](), { at: at(50), actor: 'admin' }));
      expect(alarm.state).toBe('cleared');
      expect(alarm.closedAt).toBe(at(50));
      expect(transition).toEqual({
        alarmId: 'a1',
        action: 'disable',
        from: state,
        to: 'cleared',
        at: at(50),
        actor: 'admin',
        comment: 'rule disabled',
      });
    },
  );

  it('keeps an earlier return to normal, or dates the clear now', () => {
    expect(ok(disableAlarm(returnedUnacknowledged(), { at: at(50) })).alarm.clearedAt).toBe(at(20));
    expect(ok(disableAlarm(raised(), { at: at(50) })).alarm.clearedAt).toBe(at(50));
  });

  it('ends a shelve with the alarm', () => {
    const shelved = ok(
      shelveAlarm(raised(), { at: at(10), until: at(10) + MINUTE, actor: 'alice', reason: 'noisy' }),
    ).alarm;
    const { alarm } = ok(disableAlarm(shelved, { at: at(20), comment: 'rule deleted' }));
    expect(alarm.shelvedUntil).toBeNull();
  });

  it('refuses a closed alarm', () => {
    expect(errorCode(disableAlarm(closed(), { at: at(50) }))).toBe('alarm_closed');
  });
});

describe('the whole lifecycle', () => {
  it('walks one alarm through raise, re-alarm, acknowledge, clear, and opens a new one afterwards', () => {
    const states: Array<AlarmState | null> = [];
    const record = (change: AlarmChange) => {
      states.push(change.transition.from, change.transition.to);
      return change.alarm;
    };
    let alarm = record(ok(raiseAlarm(null, raiseInput())));
    alarm = record(ok(clearAlarm(alarm, { at: at(1) })));
    alarm = record(ok(raiseAlarm(alarm, raiseInput({ id: 'x', at: at(2) }))));
    alarm = record(ok(acknowledgeAlarm(alarm, { at: at(3), actor: 'alice' })));
    alarm = record(ok(clearAlarm(alarm, { at: at(4) })));
    expect(states).toEqual([
      null,
      'active_unacknowledged',
      'active_unacknowledged',
      'cleared_unacknowledged',
      'cleared_unacknowledged',
      'active_unacknowledged',
      'active_unacknowledged',
      'active_acknowledged',
      'active_acknowledged',
      'cleared',
    ]);
    expect(alarm).toMatchObject({ id: 'a1', raiseCount: 2, closedAt: at(4) });
    expect(ok(raiseAlarm(alarm, raiseInput({ id: 'a2', at: at(5) }))).alarm.id).toBe('a2');
  });

  it('never changes the alarm it is given', () => {
    const alarm = raised(); // frozen: a mutation would throw
    ok(acknowledgeAlarm(alarm, { at: at(1), actor: 'a' }));
    ok(clearAlarm(alarm, { at: at(1) }));
    ok(shelveAlarm(alarm, { at: at(1), until: at(2), actor: 'a', reason: 'r' }));
    ok(disableAlarm(alarm, { at: at(1) }));
    expect(alarm.state).toBe('active_unacknowledged');
  });
});

describe('alarmKey', () => {
  it('names the (rule, sensor)', () => {
    expect(alarmKey('r1', 'UNIT001', 'temperature')).toBe('r1|UNIT001|temperature');
  });
});
