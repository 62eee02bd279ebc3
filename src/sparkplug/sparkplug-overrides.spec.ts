import { IDENTIFIER } from '../common/identifier.js';
import { MappingOverrides, MAX_RENAMES, renameProblems } from './sparkplug-overrides.js';

const at = new Date(1_800_000_000_000);

describe('renameProblems', () => {
  it('accepts distinct sensor types of the identifier rule', () => {
    expect(renameProblems({ 'Motor/Speed': 'pump_speed', Running: 'pump_on' }, IDENTIFIER)).toEqual([]);
  });

  it('names every problem: bad sensor type, empty or long name, two metrics renamed to one sensor, too many', () => {
    expect(renameProblems({ A: 'x', B: 'x', C: 'not ok', '': 'y', ['n'.repeat(256)]: 'z', D: 5 }, IDENTIFIER)).toEqual([
      'metrics "A" and "B" both rename to \'x\'',
      "metrics[\"C\"] must be a sensor type of 1-64 letters, digits, '_' or '-'",
      'metric name "" must be 1-255 characters',
      `metric name "${'n'.repeat(80)}" must be 1-255 characters`,
      "metrics[\"D\"] must be a sensor type of 1-64 letters, digits, '_' or '-'",
    ]);
    const many = Object.fromEntries(Array.from({ length: MAX_RENAMES + 1 }, (_, i) => [`m${i}`, `s${i}`]));
    expect(renameProblems(many, IDENTIFIER)).toEqual([`metrics may rename at most ${MAX_RENAMES} metrics`]);
  });
});

describe('MappingOverrides', () => {
  it('finds an override by node or device, by id and by unit; a replaced one moves to its new key', () => {
    const overrides = new MappingOverrides();
    const base = { metrics: {}, createdAt: at, updatedAt: at };
    overrides.put({ id: 'a', groupId: 'G', edgeNodeId: 'E', unitId: 'U1', ...base });
    overrides.put({ id: 'b', groupId: 'G', edgeNodeId: 'E', deviceId: 'D', unitId: 'U2', ...base });
    expect(overrides.find('G', 'E')?.id).toBe('a');
    expect(overrides.find('G', 'E', 'D')?.id).toBe('b');
    expect(overrides.holderOf('U2')?.id).toBe('b');
    expect(overrides.holderOf('U2', 'b')).toBeUndefined();
    overrides.put({ id: 'a', groupId: 'G', edgeNodeId: 'F', unitId: 'U3', ...base });
    expect(overrides.find('G', 'E')).toBeUndefined();
    expect(overrides.find('G', 'F')?.unitId).toBe('U3');
    expect(overrides.size).toBe(2);
    overrides.remove('b');
    expect(overrides.all().map((o) => o.id)).toEqual(['a']);
  });
});
