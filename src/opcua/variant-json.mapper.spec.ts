import { jsonValue } from './variant-json.mapper.js';

describe('jsonValue', () => {
  it('keeps what JSON can carry and spells out the numbers it cannot', () => {
    expect(jsonValue(21.5)).toBe(21.5);
    expect(jsonValue(Number.NaN)).toBe('NaN');
    expect(jsonValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(jsonValue('on')).toBe('on');
    expect(jsonValue(true)).toBe(true);
    expect(jsonValue(null)).toBeNull();
    expect(jsonValue(undefined)).toBeNull();
  });

  it('writes dates as ISO text, an invalid date as null', () => {
    expect(jsonValue(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)))).toBe('2025-01-02T03:04:05.000Z');
    expect(jsonValue(new Date(Number.NaN))).toBeNull();
  });

  it('turns typed arrays and arrays into arrays of at most 1000 elements', () => {
    expect(jsonValue(new Float64Array([1, 2.5]))).toEqual([1, 2.5]);
    expect(jsonValue(new Int32Array(1500))).toHaveLength(1000);
    expect(jsonValue([1, Number.NaN, new Date(0)])).toEqual([1, 'NaN', '1970-01-01T00:00:00.000Z']);
    expect(jsonValue(Array.from({ length: 1200 }, (_, i) => i))).toHaveLength(1000);
  });

  it('writes structures as their text', () => {
    const localizedText = { locale: 'en', text: 'Boiler', toString: () => 'locale=en text=Boiler' };
    expect(jsonValue(localizedText)).toBe('locale=en text=Boiler');
  });
});
