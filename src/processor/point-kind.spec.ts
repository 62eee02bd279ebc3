import { DEFAULT_DIGITAL_STATES, MAX_STATES, stateTableFor, statesProblem, StateTable } from './point-kind.js';

const PUMP = [
  { value: 0, name: 'stopped' },
  { value: 1, name: 'running' },
  { value: 2, name: 'fault' },
];

describe('StateTable', () => {
  it('names values and finds values by name, ignoring case', () => {
    const table = new StateTable(PUMP);
    expect(table.nameOf(2)).toBe('fault');
    expect(table.nameOf(3)).toBeUndefined();
    expect(table.valueOf('Running')).toBe(1);
    expect(table.valueOf('tripped')).toBeUndefined();
  });

  it('does not take inherited names for values', () => {
    expect(new StateTable(PUMP).valueOf('constructor')).toBeUndefined();
  });
});

describe('stateTableFor', () => {
  it('gives analog points no table and digital points OFF/ON by default', () => {
    expect(stateTableFor('analog', null)).toBeNull();
    expect(stateTableFor('digital', null)?.states).toEqual(DEFAULT_DIGITAL_STATES);
    expect(stateTableFor('enum', PUMP)?.nameOf(0)).toBe('stopped');
  });
});

describe('statesProblem', () => {
  it.each([
    ['analog', null],
    ['digital', null],
    [
      'digital',
      [
        { value: 1, name: 'OPEN' },
        { value: 0, name: 'CLOSED' },
      ],
    ],
    ['enum', PUMP],
    ['enum', [{ value: -5, name: 'Reverse — slow' }]],
  ] as const)('accepts %s with %j', (kind, states) => {
    expect(statesProblem(kind, states)).toBeUndefined();
  });

  it.each([
    ['analog', PUMP, 'no states'],
    ['enum', null, 'needs states'],
    ['enum', [], '1 to 64'],
    ['enum', Array.from({ length: MAX_STATES + 1 }, (_, i) => ({ value: i, name: `s${i}` })), '1 to 64'],
    ['enum', [{ value: 1.5, name: 'half' }], 'whole number'],
    ['enum', [{ value: 1, name: '' }], 'printable'],
    ['enum', [{ value: 1, name: ' padded' }], 'printable'],
    ['enum', [{ value: 1, name: 'bell\u0007' }], 'printable'],
    ['enum', [{ value: 1, name: 'x'.repeat(33) }], 'printable'],
    [
      'enum',
      [
        { value: 1, name: 'a' },
        { value: 1, name: 'b' },
      ],
      'listed twice',
    ],
    [
      'enum',
      [
        { value: 1, name: 'Run' },
        { value: 2, name: 'run' },
      ],
      'listed twice',
    ],
    ['digital', [{ value: 1, name: 'ON' }], 'exactly the values 0 and 1'],
    [
      'digital',
      [
        { value: 0, name: 'OFF' },
        { value: 2, name: 'ON' },
      ],
      'exactly the values 0 and 1',
    ],
    ['switch', null, 'kind must be one of'],
  ] as const)('refuses %s with %j (%s)', (kind, states, message) => {
    expect(statesProblem(kind as 'enum', states)).toContain(message);
  });
});
