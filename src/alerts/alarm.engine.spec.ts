import type { ProcessedReading, Quality } from '../common/bus/event-map.js';
import { AlarmEngine } from './alarm.engine.js';
import type { Alarm, AlarmChange } from './alarm-lifecycle.js';
import type { AlertRule } from './alert-rule.js';
import { temperatureRule } from './alert-rule.fixture.js';
import { AUDIT_WRITE_RULE, SYSTEM_UNIT } from './system-alarms.js';

const T0 = 1_764_000_000_000;
const at = (seconds: number) => T0 + seconds * 1000;

function rule(overrides: Partial<AlertRule> = {}): AlertRule {
  return { id: 'r-temp', ...temperatureRule(), ...overrides };
}

function reading(
  seconds: number,
  value: number,
  fields: Partial<Pick<ProcessedReading, 'unitId' | 'sensorType'>> & { quality?: Quality } = {},
): ProcessedReading {
  return {
    unitId: 'UNIT001',
    sensorType: 'temperature',
    quality: 'GOOD',
    source: 'mqtt',
    value,
    time: at(seconds),
    ...fields,
  };
}

/** An engine with sequential alarm ids and helpers that return what each step changed. */
function engineWith(...rules: AlertRule[]) {
  let next = 0;
  const engine = new AlarmEngine(() => `a${++next}`);
  for (const r of rules) engine.putRule(r, at(0));
  return {
    engine,
    read: (...readings: ProcessedReading[]): AlarmChange[] => {
      const out: AlarmChange[] = [];
      engine.onReadings(readings, out);
      return out;
    },
    tick: (seconds: number): AlarmChange[] => {
      const out: AlarmChange[] = [];
      engine.tick(at(seconds), out);
      return out;
    },
  };
}

const summary = (changes: AlarmChange[]) =>
  changes.map(({ alarm, transition }) => `${alarm.id} ${transition.action} → ${alarm.state}`);

function ok<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result as Extract<T, { ok: true }>;
}

describe('AlarmEngine: readings', () => {
  it('ignores readings of sensor types no rule watches', () => {
    const { read } = engineWith(rule());
    expect(read(reading(1, 1000, { sensorType: 'pressure' }))).toEqual([]);
  });

  it('raises one alarm for a value over the limit, and nothing for 100 more over it', () => {
    const { read, engine } = engineWith(rule());
    const first = read(reading(1, 90));
    expect(summary(first)).toEqual(['a1 raise → active_unacknowledged']);
    expect(first[0].alarm).toMatchObject({
      ruleId: 'r-temp',
      unitId: 'UNIT001',
      sensorType: 'temperature',
      severity: 'critical',
      message: 'High temperature alert: 90°C',
      value: 90,
      threshold: 85,
      raisedAt: at(1),
    });
    const more = Array.from({ length: 100 }, (_, i) => reading(2 + i, 86 + (i % 10)));
    expect(read(...more)).toEqual([]);
    expect(engine.openAlarms()).toHaveLength(1);
  });

  it('keeps one alarm per sensor: each unit gets its own', () => {
    const { read } = engineWith(rule());
    expect(summary(read(reading(1, 90), reading(1, 91, { unitId: 'UNIT002' }), reading(2, 92)))).toEqual([
      'a1 raise → active_unacknowledged',
      'a2 raise → active_unacknowledged',
    ]);
  });

  it('watches only its unit when the rule names one', () => {
    const { read } = engineWith(rule({ unitId: 'UNIT002' }));
    expect(read(reading(1, 90))).toEqual([]);
    expect(summary(read(reading(1, 90, { unitId: 'UNIT002' })))).toEqual(['a1 raise → active_unacknowledged']);
  });

  it('evaluates every rule that watches the sensor type', () => {
    const { read } = engineWith(
      rule(),
      rule({ id: 'r-warm', threshold: 60, severity: 'warning', message: 'Warm: {value}' }),
    );
    const changes = read(reading(1, 70), reading(2, 90));
    expect(changes.map((c) => [c.alarm.ruleId, c.alarm.value])).toEqual([
      ['r-warm', 70],
      ['r-temp', 90],
    ]);
  });

  it('clears only below the limit minus the deadband', () => {
    const { read } = engineWith(rule());
    read(reading(1, 90));
    expect(read(reading(2, 84), reading(3, 83.5))).toEqual([]);
    const cleared = read(reading(4, 82.9));
    expect(summary(cleared)).toEqual(['a1 clear → cleared_unacknowledged']);
    expect(cleared[0].alarm).toMatchObject({ value: 82.9, clearedAt: at(4) });
  });
});

describe('AlarmEngine: lifecycle through operators', () => {
  it('acknowledges, closes on return to normal, and opens a new alarm on the next raise', () => {
    const { read, engine } = engineWith(rule());
    read(reading(1, 90));
    const acked = ok(engine.acknowledge('a1', { at: at(2), actor: 'op', comment: 'on it' }));
    expect(acked.alarm).toMatchObject({
      state: 'active_acknowledged',
      acknowledgedBy: 'op',
      acknowledgeComment: 'on it',
    });
    expect(summary(read(reading(3, 80)))).toEqual(['a1 clear → cleared']);
    expect(engine.openAlarms()).toEqual([]);
    expect(engine.find('a1')).toBeUndefined();
    expect(summary(read(reading(4, 95)))).toEqual(['a2 raise → active_unacknowledged']);
  });

  it('reactivates the same alarm when it comes back before anyone acknowledged it', () => {
    const { read } = engineWith(rule());
    read(reading(1, 90));
    read(reading(2, 80));
    const again = read(reading(3, 91));
    expect(summary(again)).toEqual(['a1 raise → active_unacknowledged']);
    expect(again[0].alarm.raiseCount).toBe(2);
  });

  it('closes a cleared_unacknowledged alarm when it is acknowledged', () => {
    const { read, engine } = engineWith(rule());
    read(reading(1, 90), reading(2, 80));
    expect(ok(engine.acknowledge('a1', { at: at(3), actor: 'op' })).alarm.state).toBe('cleared');
    expect(engine.openAlarms()).toEqual([]);
  });

  it('refuses what the lifecycle refuses, and says when it does not hold the alarm', () => {
    const { read, engine } = engineWith(rule());
    read(reading(1, 90));
    ok(engine.acknowledge('a1', { at: at(2), actor: 'op' }));
    expect(engine.acknowledge('a1', { at: at(3), actor: 'op' })).toMatchObject({
      ok: false,
      error: { code: 'already_acknowledged' },
    });
    expect(engine.acknowledge('nope', { at: at(3), actor: 'op' })).toMatchObject({
      ok: false,
      error: { code: 'unknown' },
    });
  });

  it('expires a shelve on the tick, dated at its end', () => {
    const { read, tick, engine } = engineWith(rule());
    read(reading(1, 90));
    ok(engine.shelve('a1', { at: at(2), until: at(62), actor: 'op', reason: 'calibration' }));
    expect(engine.counts(at(3))).toMatchObject({ open: 1, shelved: 1 });
    expect(tick(61)).toEqual([]);
    const expired = tick(63);
    expect(summary(expired)).toEqual(['a1 unshelve → active_unacknowledged']);
    expect(expired[0].transition).toMatchObject({ at: at(62), comment: 'shelve expired' });
    expect(engine.counts(at(63))).toMatchObject({ open: 1, shelved: 0 });
  });

  it('keeps a closed alarm while its shelve runs, so the next raise on the point opens shelved', () => {
    const { read, tick, engine } = engineWith(rule());
    read(reading(1, 90));
    ok(engine.shelve('a1', { at: at(2), until: at(600), actor: 'op', reason: 'chattering' }));
    ok(engine.acknowledge('a1', { at: at(3), actor: 'op' }));
    read(reading(4, 80));
    expect(engine.openAlarms()).toEqual([]);
    const raised = read(reading(5, 90));
    expect(raised[0].alarm).toMatchObject({ id: 'a2', shelvedUntil: at(600), shelveReason: 'chattering' });
    expect(engine.find('a1')).toBeUndefined();
    expect(summary(tick(601))).toEqual(['a2 unshelve → active_unacknowledged']);
  });

  it('counts open alarms by state', () => {
    const { read, engine } = engineWith(rule());
    read(reading(1, 90), reading(1, 90, { unitId: 'U2' }), reading(1, 90, { unitId: 'U3' }));
    ok(engine.acknowledge('a2', { at: at(2), actor: 'op' }));
    read(reading(3, 50, { unitId: 'U3' }));
    expect(engine.counts(at(4))).toEqual({
      open: 3,
      active_unacknowledged: 1,
      active_acknowledged: 1,
      cleared_unacknowledged: 1,
      shelved: 0,
    });
  });
});

describe('AlarmEngine: time', () => {
  it('raises no_data for a watched sensor that stays silent, without any reading', () => {
    const { engine, tick } = engineWith(rule({ id: 'r-silent', condition: 'no_data', threshold: 30, deadband: 0 }));
    engine.watch(
      [
        { unitId: 'UNIT001', sensorType: 'temperature' },
        { unitId: 'UNIT002', sensorType: 'pressure' },
      ],
      at(0),
    );
    expect(tick(29)).toEqual([]);
    const raised = tick(31);
    expect(summary(raised)).toEqual(['a1 raise → active_unacknowledged']);
    expect(raised[0].alarm).toMatchObject({ unitId: 'UNIT001', value: 31, threshold: 30 });
  });

  it('clears no_data when the sensor reports again, and raises again after the next silence', () => {
    const { read, tick } = engineWith(rule({ condition: 'no_data', threshold: 30, deadband: 0 }));
    read(reading(0, 20));
    tick(31);
    expect(summary(read(reading(40, 20)))).toEqual(['a1 clear → cleared_unacknowledged']);
    expect(tick(69)).toEqual([]);
    expect(summary(tick(71))).toEqual(['a1 raise → active_unacknowledged']);
  });

  it('completes an on-delay on the tick when the sensor reports by exception', () => {
    const { read, tick } = engineWith(rule({ onDelaySeconds: 10 }));
    expect(read(reading(1, 90))).toEqual([]);
    expect(tick(10)).toEqual([]);
    expect(summary(tick(11))).toEqual(['a1 raise → active_unacknowledged']);
  });
});

describe('AlarmEngine: restart', () => {
  function storedAlarm(overrides: Partial<Alarm> = {}): Alarm {
    return {
      id: 'stored-1',
      ruleId: 'r-temp',
      unitId: 'UNIT001',
      sensorType: 'temperature',
      severity: 'critical',
      state: 'active_unacknowledged',
      message: 'High temperature alert: 90°C',
      value: 90,
      threshold: 85,
      raisedAt: at(-100),
      raiseCount: 1,
      acknowledgedAt: null,
      acknowledgedBy: null,
      acknowledgeComment: null,
      clearedAt: null,
      closedAt: null,
      shelvedUntil: null,
      shelvedBy: null,
      shelveReason: null,
      ...overrides,
    };
  }

  it('does not raise a restored active alarm again, and clears that same alarm on return to normal', () => {
    const { engine, read } = engineWith(rule());
    expect(engine.restore([storedAlarm()], at(0))).toEqual([]);
    expect(read(reading(1, 95))).toEqual([]);
    expect(engine.openAlarms().map((a) => a.id)).toEqual(['stored-1']);
    expect(summary(read(reading(2, 70)))).toEqual(['stored-1 clear → cleared_unacknowledged']);
  });

  it('lets operators act on restored alarms', () => {
    const { engine } = engineWith(rule());
    engine.restore([storedAlarm({ state: 'cleared_unacknowledged', clearedAt: at(-50) })], at(0));
    expect(ok(engine.acknowledge('stored-1', { at: at(1), actor: 'op' })).alarm.state).toBe('cleared');
  });

  it('closes a restored alarm whose rule is gone or disabled', () => {
    const { engine } = engineWith();
    const closed = engine.restore([storedAlarm()], at(0));
    expect(summary(closed)).toEqual(['stored-1 disable → cleared']);
    expect(closed[0].transition.comment).toBe('rule disabled');
    expect(engine.openAlarms()).toEqual([]);
  });

  it('prefers the open alarm of a point over a closed one that is still shelved', () => {
    const { engine } = engineWith(rule());
    const shelved = storedAlarm({ id: 'old', state: 'cleared', closedAt: at(-60), shelvedUntil: at(600) });
    engine.restore([storedAlarm({ id: 'new', raisedAt: at(-10) }), shelved], at(0));
    expect(engine.openAlarms().map((a) => a.id)).toEqual(['new']);
    expect(engine.find('old')).toBeUndefined();
  });
});

describe('AlarmEngine: rule changes take effect at once', () => {
  it('closes the alarms of a disabled rule and stops evaluating it', () => {
    const { engine, read } = engineWith(rule());
    read(reading(1, 90));
    const closed = engine.putRule(rule({ enabled: false }), at(2), 'admin');
    expect(summary(closed)).toEqual(['a1 disable → cleared']);
    expect(closed[0].transition).toMatchObject({ actor: 'admin', comment: 'rule disabled' });
    expect(read(reading(3, 99))).toEqual([]);
    expect(engine.enabledRuleCount).toBe(0);
  });

  it('raises again after re-enabling if the sensor is still abnormal', () => {
    const { engine, read } = engineWith(rule());
    read(reading(1, 90));
    engine.putRule(rule({ enabled: false }), at(2));
    engine.putRule(rule(), at(3));
    expect(summary(read(reading(4, 90)))).toEqual(['a2 raise → active_unacknowledged']);
  });

  it('closes the alarms of a deleted rule', () => {
    const { engine, read } = engineWith(rule());
    read(reading(1, 90));
    expect(summary(engine.removeRule('r-temp', at(2), 'admin'))).toEqual(['a1 disable → cleared']);
    expect(engine.hasRule('r-temp')).toBe(false);
  });

  it('judges an open alarm by the new limit from the next reading', () => {
    const { engine, read } = engineWith(rule());
    read(reading(1, 90));
    expect(engine.putRule(rule({ threshold: 95, deadband: 0 }), at(2))).toEqual([]);
    expect(summary(read(reading(3, 90)))).toEqual(['a1 clear → cleared_unacknowledged']);
  });

  it('starts watching a new sensor type when the rule moves to it', () => {
    const { engine, read } = engineWith(rule());
    engine.putRule(rule({ sensorType: 'oil_temperature' }), at(1));
    expect(read(reading(2, 90))).toEqual([]);
    expect(read(reading(3, 90, { sensorType: 'oil_temperature' }))).toHaveLength(1);
  });

  it('closes the alarms of sensors the rule no longer covers', () => {
    const { engine, read } = engineWith(rule());
    read(reading(1, 90), reading(1, 90, { unitId: 'UNIT002' }));
    const closed = engine.putRule(rule({ unitId: 'UNIT002' }), at(2));
    expect(summary(closed)).toEqual(['a1 disable → cleared']);
    expect(engine.openAlarms().map((a) => a.unitId)).toEqual(['UNIT002']);
  });
});

describe('AlarmEngine: system alarms', () => {
  it('raises once while the condition holds, clears once, re-alarms the same alarm, and expires shelves on the tick', () => {
    const { engine } = engineWith(rule());
    const out: AlarmChange[] = [];
    engine.systemCondition(AUDIT_WRITE_RULE, true, { at: at(1), value: 1 }, out);
    engine.systemCondition(AUDIT_WRITE_RULE, true, { at: at(2), value: 2 }, out);
    engine.onReadings([reading(3, 500, { unitId: SYSTEM_UNIT, sensorType: 'audit_log' })], out);
    expect(out.map((c) => [c.alarm.unitId, c.transition.action])).toEqual([[SYSTEM_UNIT, 'raise']]);

    engine.systemCondition(AUDIT_WRITE_RULE, false, { at: at(4), value: 2 }, out);
    engine.systemCondition(AUDIT_WRITE_RULE, false, { at: at(5), value: 2 }, out);
    engine.systemCondition(AUDIT_WRITE_RULE, true, { at: at(6), value: 3 }, out);
    expect(out.map((c) => c.transition.action)).toEqual(['raise', 'clear', 'raise']);
    expect(engine.openAlarms()).toEqual([expect.objectContaining({ id: 'a1', raiseCount: 2, value: 3 })]);

    expect(engine.shelve('a1', { at: at(7), until: at(60), actor: 'op', reason: 'DBA on it' }).ok).toBe(true);
    const tick: AlarmChange[] = [];
    engine.tick(at(61), tick);
    expect(tick.map((c) => c.transition.action)).toEqual(['unshelve']);
  });
});

describe('AlarmEngine: digital and enum points', () => {
  const PUMP_STATES: Record<number, string> = { 0: 'stopped', 1: 'running', 2: 'fault' };
  const pumpRule = rule({
    id: 'r-pump',
    sensorType: 'pump_state',
    condition: 'equals',
    threshold: 2,
    deadband: 0,
    message: 'Pump on {unit_id} is {state}',
  });
  const pump = (seconds: number, value: number) => reading(seconds, value, { sensorType: 'pump_state' });

  function pumpEngine(r: AlertRule) {
    let next = 0;
    const engine = new AlarmEngine(
      () => `p${++next}`,
      (unitId, sensorType, value) => (sensorType === 'pump_state' ? PUMP_STATES[value] : undefined),
    );
    engine.putRule(r, at(0));
    return (...readings: ProcessedReading[]): AlarmChange[] => {
      const out: AlarmChange[] = [];
      engine.onReadings(readings, out);
      return out;
    };
  }

  it('raises equals on the fault state with its name in the message, and clears when the pump leaves it', () => {
    const read = pumpEngine(pumpRule);
    expect(read(pump(1, 1))).toEqual([]);
    const raised = read(pump(2, 2));
    expect(summary(raised)).toEqual(['p1 raise → active_unacknowledged']);
    expect(raised[0].alarm).toMatchObject({ message: 'Pump on UNIT001 is fault', value: 2, threshold: 2 });
    expect(read(pump(3, 2))).toEqual([]);
    expect(summary(read(pump(4, 0)))).toEqual(['p1 clear → cleared_unacknowledged']);
  });

  it('raises not_equals when a breaker that should be closed (0) opens (1)', () => {
    const read = pumpEngine({ ...pumpRule, condition: 'not_equals', threshold: 0, message: 'Breaker {state}' });
    expect(read(pump(1, 0))).toEqual([]);
    const raised = read(pump(2, 1));
    expect(raised[0].alarm).toMatchObject({ message: 'Breaker running', value: 1, threshold: 0 });
  });
});
