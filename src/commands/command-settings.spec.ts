import { commandSettingsProblems } from './command-settings.js';
import { commandSettings } from './command-settings.fixture.js';

const base = commandSettings();

describe('commandSettingsProblems', () => {
  it('accepts analog limits and digital/enum allowed states that fit the point', () => {
    expect(
      commandSettingsProblems({ ...base, min: 0, max: 100, max_step: 5 }, { kind: 'analog', states: null }),
    ).toEqual([]);
    expect(commandSettingsProblems({ ...base, allowed_states: [1] }, { kind: 'digital', states: null })).toEqual([]);
  });

  it('lets a Modbus point be confirmed by readback only', () => {
    const point = { kind: 'analog' as const, states: null };
    expect(commandSettingsProblems({ ...base, channel: 'modbus', confirmation: 'readback' }, point)).toEqual([]);
    expect(commandSettingsProblems({ ...base, channel: 'modbus', confirmation: 'both' }, point)).toEqual([
      'channel modbus confirms by readback only: confirmation must be readback',
    ]);
  });

  it('lets a Sparkplug point be confirmed by readback only (the protocol has no command ack)', () => {
    const point = { kind: 'digital' as const, states: null };
    expect(commandSettingsProblems({ ...base, channel: 'sparkplug', confirmation: 'readback' }, point)).toEqual([]);
    expect(commandSettingsProblems({ ...base, channel: 'sparkplug', confirmation: 'ack' }, point)).toEqual([
      'channel sparkplug confirms by readback only (the next NDATA/DDATA): confirmation must be readback',
    ]);
  });

  it('names every problem', () => {
    expect(
      commandSettingsProblems(
        { ...base, channel: 'opcua', min: 10, max: 5, max_step: 0, timeout_ms: 5, allowed_states: [1] },
        { kind: 'analog', states: null },
      ),
    ).toEqual([
      'min (10) must not be above max (5)',
      'max_step must be above 0 (or null)',
      'timeout_ms must be a whole number from 100 to 600000',
      'allowed_states is for digital and enum points; this point is analog (use min, max, max_step)',
    ]);
    expect(
      commandSettingsProblems(
        { ...base, max: 3, readback_tolerance: 0.5, allowed_states: [0, 5] },
        { kind: 'enum', states: [{ value: 0, name: 'stopped' }] },
      ),
    ).toEqual([
      'min, max and max_step are for analog points; this point is enum (use allowed_states)',
      'readback_tolerance must be 0 for a enum point: a state is read back exactly',
      'allowed_states 5 are not states of this point (it has 0=stopped)',
    ]);
  });
});
