import { checkCommandValue, readsBack } from './command-limits.js';
import type { PointShape } from './command-settings.js';
import { commandSettings } from './command-settings.fixture.js';

const settings = commandSettings;
const analog: PointShape = { kind: 'analog', states: null };
const digital: PointShape = { kind: 'digital', states: null };
const pump: PointShape = {
  kind: 'enum',
  states: [
    { value: 0, name: 'stopped' },
    { value: 1, name: 'running' },
    { value: 2, name: 'fault' },
  ],
};

describe('checkCommandValue', () => {
  it('keeps an analog value within min and max, inclusive', () => {
    const s = settings({ min: 20, max: 80 });
    expect(checkCommandValue(s, analog, 20, null)).toEqual({ ok: true, value: 20 });
    expect(checkCommandValue(s, analog, 80, null)).toEqual({ ok: true, value: 80 });
    expect(checkCommandValue(s, analog, 80.5, null)).toEqual({
      ok: false,
      reason: "value 80.5 is above the point's maximum 80",
    });
    expect(checkCommandValue(s, analog, 19, null)).toEqual({
      ok: false,
      reason: "value 19 is below the point's minimum 20",
    });
  });

  it('judges max_step against the last stored value, and skips it before the first', () => {
    const s = settings({ max_step: 5 });
    expect(checkCommandValue(s, analog, 55, 50)).toEqual({ ok: true, value: 55 });
    expect(checkCommandValue(s, analog, 44, 50)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('max_step 5'),
    });
    expect(checkCommandValue(s, analog, 1000, null)).toEqual({ ok: true, value: 1000 });
  });

  it('refuses a boolean or a name for an analog point', () => {
    expect(checkCommandValue(settings(), analog, true, null).ok).toBe(false);
    expect(checkCommandValue(settings(), analog, 'high', null).ok).toBe(false);
  });

  it('takes true/false, 0/1 and the state names for a digital point', () => {
    expect(checkCommandValue(settings(), digital, true, null)).toEqual({ ok: true, value: 1 });
    expect(checkCommandValue(settings(), digital, false, null)).toEqual({ ok: true, value: 0 });
    expect(checkCommandValue(settings(), digital, 'on', null)).toEqual({ ok: true, value: 1 });
    expect(checkCommandValue(settings(), digital, 2, null).ok).toBe(false);
    expect(checkCommandValue(settings(), digital, 0.5, null).ok).toBe(false);
  });

  it('keeps an enum command to the allowed states', () => {
    const s = settings({ allowed_states: [0, 1] });
    expect(checkCommandValue(s, pump, 'running', null)).toEqual({ ok: true, value: 1 });
    expect(checkCommandValue(s, pump, 2, null)).toEqual({
      ok: false,
      reason: 'value 2 is not a state a command may set (allowed: 0=stopped, 1=running)',
    });
    expect(checkCommandValue(s, pump, 7, null).ok).toBe(false);
    expect(checkCommandValue(s, pump, true, null)).toMatchObject({ ok: false });
    expect(checkCommandValue(settings({ allowed_states: [0, 9] }), pump, 9, null).ok).toBe(false);
  });

  it('reads back within the tolerance', () => {
    expect(readsBack({ readback_tolerance: 0.5 }, 55, 55.4)).toBe(true);
    expect(readsBack({ readback_tolerance: 0.5 }, 55, 54.4)).toBe(false);
    expect(readsBack({ readback_tolerance: 0 }, 1, 1)).toBe(true);
  });
});
