import { stateTableFor } from '../processor/point-kind.js';
import { stateThreshold, type StateRule } from './state-condition.js';

const pump = {
  states: stateTableFor('enum', [
    { value: 0, name: 'stopped' },
    { value: 1, name: 'running' },
    { value: 2, name: 'fault' },
  ]),
};
const oldPump = { states: stateTableFor('enum', [{ value: 9, name: 'fault' }]) };
const analog = { states: null };
const rule: StateRule = { condition: 'equals', sensorType: 'pump_state', unitId: null, deadband: 0 };

describe('stateThreshold', () => {
  it('resolves a state name to its number, ignoring case and analog sensors of the type', () => {
    expect(stateThreshold(rule, 'Fault', false, [analog, pump])).toEqual({ ok: true, threshold: 2 });
    expect(stateThreshold({ ...rule, condition: 'not_equals' }, 'running', false, [pump, pump])).toEqual({
      ok: true,
      threshold: 1,
    });
  });

  it('names ON/OFF of an unlabelled digital point', () => {
    expect(stateThreshold(rule, 'ON', false, [{ states: stateTableFor('digital', null) }])).toEqual({
      ok: true,
      threshold: 1,
    });
  });

  it.each([
    [{ ...rule, condition: 'greater_than' as const }, false, [pump], 'equals and not_equals only'],
    [rule, true, [pump], 'not both'],
    [{ ...rule, deadband: 0.5 }, false, [pump], 'deadband must be 0'],
    [rule, false, [analog], 'set its kind and states first'],
    [rule, false, [], 'set its kind and states first'],
    [{ ...rule, unitId: 'UNIT001' }, false, [analog], 'on UNIT001'],
  ])('refuses %j (threshold sent: %p) with a reason', (r, sent, tables, reason) => {
    const result = stateThreshold(r, 'fault', sent, tables);
    expect(result.ok).toBe(false);
    expect((result as { problem: string }).problem).toContain(reason);
  });

  it('lists the known states when the name is not one of them', () => {
    expect(stateThreshold(rule, 'tripped', false, [pump])).toEqual({
      ok: false,
      problem: "no 'pump_state' sensor on any unit has a state 'tripped' (known: stopped, running, fault)",
    });
  });

  it('refuses a name that means different numbers on different units', () => {
    expect(stateThreshold(rule, 'fault', false, [pump, oldPump])).toMatchObject({
      ok: false,
      problem: expect.stringContaining('means 2 or 9 on different units'),
    });
  });
});
