import { qualityOf } from './quality.rules.js';

describe('qualityOf', () => {
  it('reads an absent quality as GOOD', () => {
    expect(qualityOf(undefined)).toBe('GOOD');
  });

  it.each([
    ['GOOD', 'GOOD'],
    ['good', 'GOOD'],
    ['Good', 'GOOD'],
    ['gOoD', 'GOOD'],
    [' good\n', 'GOOD'],
    ['UNCERTAIN', 'UNCERTAIN'],
    ['uncertain', 'UNCERTAIN'],
    ['Uncertain', 'UNCERTAIN'],
    ['BAD', 'BAD'],
    ['bad', 'BAD'],
    ['Bad', 'BAD'],
  ] as const)('reads the name %j as %s (case-insensitive)', (raw, quality) => {
    expect(qualityOf(raw)).toBe(quality);
  });

  it.each([
    ['Good', 0x00000000, 'GOOD'],
    ['GoodLocalOverride', 0x00960000, 'GOOD'],
    ['Good with info bits', 0x3fffffff, 'GOOD'],
    ['Uncertain', 0x40000000, 'UNCERTAIN'],
    ['UncertainLastUsableValue', 0x40900000, 'UNCERTAIN'],
    ['UncertainSensorNotAccurate', 0x408d0000, 'UNCERTAIN'],
    ['Uncertain family top', 0x7fffffff, 'UNCERTAIN'],
    ['Bad', 0x80000000, 'BAD'],
    ['BadCommunicationError', 0x80050000, 'BAD'],
    ['BadNodeIdUnknown', 0x80340000, 'BAD'],
    ['BadAttributeIdInvalid', 0x80350000, 'BAD'],
    ['reserved severity 11', 0xc0000000, 'BAD'],
    ['largest status code', 0xffffffff, 'BAD'],
  ] as const)('reads the OPC UA status code %s (%d) as %s', (_name, code, quality) => {
    expect(qualityOf(code)).toBe(quality);
  });

  it.each([
    ['an empty name', ''],
    ['a blank name', '   '],
    ['another word', 'OK'],
    ['a misspelling', 'GOD'],
    ['a name with a suffix', 'GOOD!'],
    ['two names', 'GOOD BAD'],
    ['an inner space', 'GO OD'],
    ['a status name', 'BadCommunicationError'],
    ['a number as text', '0'],
    ['a hex status code as text', '0x80350000'],
    ['an inherited property name', 'constructor'],
    ['a prototype key', '__proto__'],
    ['a negative code', -1],
    ['a fractional code', 0.5],
    ['a code above 32 bits', 0x100000000],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('returns undefined for %s', (_what, raw) => {
    expect(qualityOf(raw)).toBeUndefined();
  });
});
