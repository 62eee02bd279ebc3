import { DEFAULT_SENSOR_SETTINGS } from './sensor-settings.js';
import { SensorSettingsCache } from './sensor-settings.cache.js';

describe('SensorSettingsCache', () => {
  const celsius = { scaleFactor: 0.1, offset: -273.15, validMin: null, validMax: null };
  const fahrenheit = { scaleFactor: 0.18, offset: -459.67, validMin: null, validMax: null };

  it('gives a sensor it does not know the defaults', () => {
    expect(new SensorSettingsCache().get('UNIT001', 'temperature')).toBe(DEFAULT_SENSOR_SETTINGS);
  });

  it('keeps settings per unit and sensor type', () => {
    const cache = new SensorSettingsCache();
    cache.put('UNIT001', 'temperature', celsius, 1000);
    expect(cache.get('UNIT001', 'temperature')).toEqual(celsius);
    expect(cache.get('UNIT002', 'temperature')).toBe(DEFAULT_SENSOR_SETTINGS);
    expect(cache.get('UNIT001', 'pressure')).toBe(DEFAULT_SENSOR_SETTINGS);
  });

  it('takes a later version and ignores an earlier one (a refresh that raced a PATCH)', () => {
    const cache = new SensorSettingsCache();
    cache.put('UNIT001', 'temperature', celsius, 1000);
    cache.put('UNIT001', 'temperature', fahrenheit, 2000);
    expect(cache.get('UNIT001', 'temperature')).toEqual(fahrenheit);
    cache.put('UNIT001', 'temperature', celsius, 1500);
    expect(cache.get('UNIT001', 'temperature')).toEqual(fahrenheit);
    cache.put('UNIT001', 'temperature', DEFAULT_SENSOR_SETTINGS, 2000);
    expect(cache.get('UNIT001', 'temperature')).toEqual(DEFAULT_SENSOR_SETTINGS);
  });
});
