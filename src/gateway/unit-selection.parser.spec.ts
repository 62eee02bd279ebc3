import { MAX_UNITS_PER_REQUEST, parseUnitSelection } from './unit-selection.parser.js';

describe('parseUnitSelection', () => {
  it('takes one id or a list, and says which', () => {
    expect(parseUnitSelection({ unit_id: 'U1' })).toEqual({ ok: true, unitIds: ['U1'], single: true });
    expect(parseUnitSelection({ unit_ids: ['U1', 'U-2', 'U1'] })).toEqual({
      ok: true,
      unitIds: ['U1', 'U-2'],
      single: false,
    });
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a number', 42],
    ['a bare string', 'U1'],
    ['an array', ['U1']],
    ['no field', {}],
    ['both fields', { unit_id: 'U1', unit_ids: ['U1'] }],
    ['a misspelt field', { unitId: 'U1' }],
    ['an extra field', { unit_id: 'U1', admin: true }],
    ['a numeric id', { unit_id: 5 }],
    ['an empty id', { unit_id: '' }],
    ['a path', { unit_id: '../etc' }],
    ['an id too long', { unit_id: 'U'.repeat(65) }],
    ['an operator object', { unit_id: { $ne: 1 } }],
    ['a list that is a string', { unit_ids: 'U1' }],
    ['an empty list', { unit_ids: [] }],
    ['a list with a number', { unit_ids: ['U1', 2] }],
    ['a list too long', { unit_ids: Array.from({ length: MAX_UNITS_PER_REQUEST + 1 }, (_, i) => `U${i}`) }],
  ])('refuses %s with a message', (_name, body) => {
    const result = parseUnitSelection(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.length).toBeGreaterThan(10);
  });

  it('does not read inherited keys', () => {
    const body = Object.create({ unit_id: 'U1' }) as object;
    expect(parseUnitSelection(body).ok).toBe(false);
  });
});
