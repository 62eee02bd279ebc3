import { mapDataChange, numericValue, qualityOfStatusCode, scaleValue } from './data-change.mapper.js';

describe('OPC UA data change mapping', () => {
  it('maps status codes to their quality family by the top two bits', () => {
    expect(qualityOfStatusCode(0x00000000)).toBe('GOOD'); // Good
    expect(qualityOfStatusCode(0x00a30000)).toBe('GOOD'); // GoodClamped
    expect(qualityOfStatusCode(0x40000000)).toBe('UNCERTAIN'); // Uncertain
    expect(qualityOfStatusCode(0x408f0000)).toBe('UNCERTAIN'); // UncertainLastUsableValue
    expect(qualityOfStatusCode(0x80000000)).toBe('BAD'); // Bad
    expect(qualityOfStatusCode(0x80340000)).toBe('BAD'); // BadNodeIdUnknown
    expect(qualityOfStatusCode(0xc0000000)).toBe('BAD'); // reserved severity 11 is Bad too
  });

  it("applies the seed's mapping: raw tenths of a kelvin to °C", () => {
    expect(scaleValue(3600, 0.1, -273.15)).toBeCloseTo(86.85, 10);
    expect(scaleValue(42, 1, 0)).toBe(42);
    expect(scaleValue(5, -2, 1)).toBe(-9);
  });

  it('turns node values into numbers, or says why not', () => {
    expect(numericValue(12.5)).toEqual({ ok: true, value: 12.5 });
    expect(numericValue(true)).toEqual({ ok: true, value: 1 });
    expect(numericValue(false)).toEqual({ ok: true, value: 0 });
    expect(numericValue([0, 42])).toEqual({ ok: true, value: 42 });
    expect(numericValue([0xffffffff, 0xffffffff])).toEqual({ ok: true, value: -1 });
    expect(numericValue([0x7fffffff, 0xffffffff])).toEqual({ ok: false, reason: 'value_overflow' });
    expect(numericValue(null)).toEqual({ ok: false, reason: 'value_missing' });
    expect(numericValue(undefined)).toEqual({ ok: false, reason: 'value_missing' });
    expect(numericValue('12')).toEqual({ ok: false, reason: 'value_not_number' });
    expect(numericValue(NaN)).toEqual({ ok: false, reason: 'value_not_finite' });
    expect(numericValue(Infinity)).toEqual({ ok: false, reason: 'value_not_finite' });
  });

  it('keeps the source timestamp, falls back to the server timestamp, and maps quality', () => {
    const source = new Date('2026-11-27T12:00:00.123Z');
    const server = new Date('2026-11-27T12:00:01.000Z');
    const mapping = { scaleFactor: 0.1, offset: -273.15 };
    const change = mapDataChange(mapping, 3000, 0x408f0000, source, server);
    expect(change).toEqual({
      ok: true,
      value: expect.closeTo(26.85, 10),
      quality: 'UNCERTAIN',
      timestamp: source.getTime(),
    });
    expect(mapDataChange(mapping, 3000, 0, null, server)).toMatchObject({ timestamp: server.getTime() });
    expect(mapDataChange(mapping, 3000, 0)).toMatchObject({ ok: true, timestamp: undefined });
    expect(mapDataChange(mapping, null, 0x80000000, source)).toEqual({ ok: false, reason: 'value_missing' });
    expect(mapDataChange({ scaleFactor: 1e308, offset: 0 }, 1e308, 0)).toEqual({ ok: false, reason: 'value_overflow' });
  });
});
