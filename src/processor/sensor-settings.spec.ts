import {
  DEFAULT_SENSOR_SETTINGS,
  engineeringValue,
  inValidRange,
  type SensorSettings,
  settingsProblem,
} from './sensor-settings.js';

const settings = (fields: Partial<SensorSettings>): SensorSettings => ({ ...DEFAULT_SENSOR_SETTINGS, ...fields });

describe('engineeringValue', () => {
  it('returns value × scale_factor + offset', () => {
    expect(engineeringValue(2981.5, settings({ scaleFactor: 0.1, offset: -273.15 }))).toBeCloseTo(25, 10);
    expect(engineeringValue(4, settings({ scaleFactor: 2.5 }))).toBe(10);
    expect(engineeringValue(4, settings({ offset: -1 }))).toBe(3);
    expect(engineeringValue(4, settings({ scaleFactor: -1 }))).toBe(-4);
  });

  it.each([0, 25.5, -12.25, 0.1 + 0.2, 1e-300, Number.MAX_VALUE, -Number.MAX_VALUE])(
    'leaves %d exactly as sent under the default settings',
    (value) => {
      expect(engineeringValue(value, DEFAULT_SENSOR_SETTINGS)).toBe(value);
    },
  );
});

describe('inValidRange', () => {
  const range = settings({ validMin: -50, validMax: 150 });

  it('accepts values inside the range and on either bound', () => {
    for (const value of [-50, 0, 149.999, 150]) expect(inValidRange(value, range)).toBe(true);
  });

  it('refuses values outside it', () => {
    for (const value of [-50.001, 150.001, -1e9, 1e9]) expect(inValidRange(value, range)).toBe(false);
  });

  it('applies a bound only where one is set', () => {
    expect(inValidRange(1e300, settings({ validMin: 0 }))).toBe(true);
    expect(inValidRange(-1, settings({ validMin: 0 }))).toBe(false);
    expect(inValidRange(-1e300, settings({ validMax: 0 }))).toBe(true);
    expect(inValidRange(1, settings({ validMax: 0 }))).toBe(false);
    expect(inValidRange(-Number.MAX_VALUE, DEFAULT_SENSOR_SETTINGS)).toBe(true);
  });
});

describe('settingsProblem', () => {
  it('accepts the defaults and any finite, ordered settings', () => {
    expect(settingsProblem(DEFAULT_SENSOR_SETTINGS)).toBeUndefined();
    expect(settingsProblem(settings({ scaleFactor: -0.5, offset: 1e6, validMin: -1, validMax: 1 }))).toBeUndefined();
    expect(settingsProblem(settings({ validMin: 10 }))).toBeUndefined();
  });

  it('refuses a range whose minimum is not below its maximum, naming both', () => {
    expect(settingsProblem(settings({ validMin: 20, validMax: 10 }))).toBe(
      'valid_min (20) must be less than valid_max (10)',
    );
    expect(settingsProblem(settings({ validMin: 5, validMax: 5 }))).toBe(
      'valid_min (5) must be less than valid_max (5)',
    );
  });

  it.each([
    [{ scaleFactor: 0 }, 'scale_factor must not be 0: every reading would become the offset'],
    [{ scaleFactor: NaN }, 'scale_factor must be a finite number'],
    [{ scaleFactor: Infinity }, 'scale_factor must be a finite number'],
    [{ offset: -Infinity }, 'offset must be a finite number'],
    [{ validMin: NaN }, 'valid_min must be a finite number or null'],
    [{ validMax: Infinity }, 'valid_max must be a finite number or null'],
  ])('refuses %j', (fields, message) => {
    expect(settingsProblem(settings(fields))).toBe(message);
  });
});
