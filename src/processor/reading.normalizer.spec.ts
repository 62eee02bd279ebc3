import type { ProcessedReading, RawReading } from '../common/bus/event-map.js';
import { stateTableFor } from './point-kind.js';
import {
  EPOCH_SECONDS_LIMIT,
  isUnknownState,
  normalizeReading,
  normalizeUnitStatus,
  timeOf,
  type NormalizerLimits,
} from './reading.normalizer.js';
import { DEFAULT_SENSOR_SETTINGS, type SensorSettings } from './sensor-settings.js';

/** The injected clock: 2024-06-01T12:00:00Z. */
const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const LIMITS: NormalizerLimits = { maxFutureMs: 5 * 60_000, maxAgeMs: 30 * 86_400_000 };
/** For the parsing rules alone: every time is in bounds. */
const UNBOUNDED: NormalizerLimits = { maxFutureMs: Infinity, maxAgeMs: Infinity };

function raw(fields: Partial<RawReading> = {}): RawReading {
  return {
    unitId: 'UNIT001',
    sensorType: 'temperature',
    value: 25.5,
    receivedAt: NOW - 1.25,
    source: 'mqtt',
    ...fields,
  };
}

const at = (timestamp: string | number, limits = UNBOUNDED): number | string => timeOf(raw({ timestamp }), limits, NOW);

describe('timeOf', () => {
  it('uses the arrival time, with its sub-millisecond fraction, when no timestamp was sent', () => {
    expect(timeOf(raw(), LIMITS, NOW)).toBe(NOW - 1.25);
  });

  describe('ISO 8601', () => {
    it.each([
      ['2024-06-01T10:00:00Z', Date.UTC(2024, 5, 1, 10)],
      ['2024-06-01T10:00Z', Date.UTC(2024, 5, 1, 10)],
      ['2024-06-01t10:00:00z', Date.UTC(2024, 5, 1, 10)],
      ['2024-06-01T10:00:00.5Z', Date.UTC(2024, 5, 1, 10, 0, 0, 500)],
      ['2024-06-01T10:00:00.123Z', Date.UTC(2024, 5, 1, 10, 0, 0, 123)],
      ['2024-06-01T15:30:00+05:30', Date.UTC(2024, 5, 1, 10)],
      ['2024-06-01T15:30:00+0530', Date.UTC(2024, 5, 1, 10)],
      ['2024-06-01T02:00:00-08:00', Date.UTC(2024, 5, 1, 10)],
      ['2024-06-01T10:00:00+00:00', Date.UTC(2024, 5, 1, 10)],
      ['2024-06-01T10:00:00-00:00', Date.UTC(2024, 5, 1, 10)],
      ['2024-05-31T23:30:00-10:30', Date.UTC(2024, 5, 1, 10)],
      ['  2024-06-01T10:00:00Z\n', Date.UTC(2024, 5, 1, 10)],
      ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
      ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
      ['2024-06-01T10:00:00.000Z', Date.UTC(2024, 5, 1, 10)],
      ['2024-06-01t10:00:00.000z', Date.UTC(2024, 5, 1, 10)],
    ])('reads %j with its zone', (text, time) => {
      expect(at(text)).toBe(time);
    });

    it('keeps microseconds, so readings microseconds apart keep distinct times', () => {
      const base = Date.UTC(2024, 5, 1, 10, 0, 0, 123);
      expect(at('2024-06-01T10:00:00.123456Z')).toBe(base + 0.456);
      expect(at('2024-06-01T10:00:00.123457Z')).toBe(base + 0.457);
      expect(at('2024-06-01T10:00:00.123456Z')).not.toBe(at('2024-06-01T10:00:00.123457Z'));
      expect(at('2024-06-01T11:00:00.123456+01:00')).toBe(base + 0.456);
    });

    it('reads the toISOString form the same way as the general rules, to the microsecond', () => {
      // A seeded walk over 1970-2099 (every month length, leap days, every millisecond value): the toISOString text
      // takes the fast path, the same instant written with +00:00 the general one.
      let seed = 12345;
      const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
      for (let i = 0; i < 2000; i++) {
        const time = (next() / 2 ** 31) * Date.UTC(2099, 11, 31) + (i % 1000);
        const iso = new Date(time).toISOString();
        const fast = at(iso) as number;
        expect(fast).toBe(Math.floor(time));
        expect(Math.round(fast * 1000)).toBe(Math.round((at(iso.replace('Z', '+00:00')) as number) * 1000));
      }
      expect(at('2024-02-29T23:59:59.999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
      expect(at('0999-06-01T10:00:00.000Z')).toBe(Date.UTC(999, 5, 1, 10)); // below 1000: the general path
    });

    it('rounds nanoseconds to the microsecond', () => {
      expect(at('2024-06-01T10:00:00.123456789Z')).toBe(Date.UTC(2024, 5, 1, 10, 0, 0, 123) + 0.457);
    });

    it.each([
      ['a zoneless time (it would be read in the server zone)', '2024-06-01T10:00:00'],
      ['a zoneless time with fraction', '2024-06-01T10:00:00.123'],
      ['a date alone', '2024-06-01'],
      ['a space instead of T', '2024-06-01 10:00:00Z'],
      ['a zone name', '2024-06-01T10:00:00 UTC'],
      ['an RFC 2822 date', 'Sat, 01 Jun 2024 10:00:00 GMT'],
      ['Date.toString output', 'Sat Jun 01 2024 10:00:00 GMT+0000 (Coordinated Universal Time)'],
      ['epoch seconds as text', '1717236000'],
      ['an empty string', ''],
      ['blanks', '   '],
      ['words', 'yesterday'],
      ['trailing text', '2024-06-01T10:00:00Z junk'],
      ['a comma fraction', '2024-06-01T10:00:00,5Z'],
      ['more than 9 fraction digits', '2024-06-01T10:00:00.1234567890Z'],
      ['an expanded year', '+002024-06-01T10:00:00Z'],
      ['a one-digit month', '2024-6-01T10:00:00Z'],
      ['month 13', '2024-13-01T10:00:00Z'],
      ['month 00', '2024-00-01T10:00:00Z'],
      ['day 00', '2024-06-00T10:00:00Z'],
      ['day 32', '2024-01-32T10:00:00Z'],
      ['30 February', '2024-02-30T10:00:00Z'],
      ['29 February of a common year', '2023-02-29T10:00:00Z'],
      ['29 February of a century year', '1900-02-29T10:00:00Z'],
      ['31 April', '2024-04-31T10:00:00Z'],
      ['31 June', '2024-06-31T10:00:00Z'],
      ['hour 25', '2024-06-01T25:00:00Z'],
      ['minute 60', '2024-06-01T10:60:00Z'],
      ['second 60', '2024-06-01T10:00:60Z'],
      ['second 60 with milliseconds', '2024-06-01T10:00:60.000Z'],
      ['30 February with milliseconds', '2024-02-30T10:00:00.000Z'],
      ['a letter among the milliseconds', '2024-06-01T10:00:00.0a0Z'],
      ['a sign among the digits', '2024-06-01T1-:00:00.000Z'],
      ['an offset of 24 hours', '2024-06-01T10:00:00+24:00'],
      ['an offset with 60 minutes', '2024-06-01T10:00:00+05:60'],
      ['a one-digit offset', '2024-06-01T10:00:00+5:30'],
    ])('rejects %s as timestamp_invalid', (_what, text) => {
      expect(at(text)).toBe('timestamp_invalid');
    });
  });

  describe('epoch numbers', () => {
    it('reads numbers below EPOCH_SECONDS_LIMIT as seconds', () => {
      expect(at(1717236000)).toBe(Date.UTC(2024, 5, 1, 10));
      expect(at(1717236000.25)).toBe(Date.UTC(2024, 5, 1, 10) + 250);
      expect(at(1717236000.000001)).toBe(Date.UTC(2024, 5, 1, 10) + 0.001);
      expect(at(EPOCH_SECONDS_LIMIT - 1)).toBe((EPOCH_SECONDS_LIMIT - 1) * 1000);
      expect(at(0)).toBe(0);
    });

    it('reads numbers at or above EPOCH_SECONDS_LIMIT as milliseconds', () => {
      expect(at(EPOCH_SECONDS_LIMIT)).toBe(EPOCH_SECONDS_LIMIT);
      expect(at(1717236000000)).toBe(Date.UTC(2024, 5, 1, 10));
      expect(at(1717236000000.5)).toBe(Date.UTC(2024, 5, 1, 10) + 0.5);
    });

    it('gives the same time to a reading sent in seconds and in milliseconds', () => {
      expect(at(1717236000, LIMITS)).toBe(at(1717236000000, LIMITS));
    });

    it('treats the boundary as a year-5138 time in seconds or a 1973 time in milliseconds', () => {
      expect(at(EPOCH_SECONDS_LIMIT - 1, LIMITS)).toBe('timestamp_in_future');
      expect(at(EPOCH_SECONDS_LIMIT, LIMITS)).toBe('timestamp_too_old');
    });

    it.each([
      ['negative', -1],
      ['negative milliseconds', -1717236000000],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ])('rejects %s as timestamp_invalid', (_what, n) => {
      expect(at(n)).toBe('timestamp_invalid');
    });
  });

  describe('bounds, against the injected clock', () => {
    it('accepts a time up to maxFutureMs ahead, and rejects one beyond it as timestamp_in_future', () => {
      expect(at(NOW + LIMITS.maxFutureMs, LIMITS)).toBe(NOW + LIMITS.maxFutureMs);
      expect(at(NOW + LIMITS.maxFutureMs + 1, LIMITS)).toBe('timestamp_in_future');
      expect(at(new Date(NOW + 60_000).toISOString(), LIMITS)).toBe(NOW + 60_000);
      expect(at(new Date(NOW + 3_600_000).toISOString(), LIMITS)).toBe('timestamp_in_future');
      expect(at(1e15, LIMITS)).toBe('timestamp_in_future');
      expect(at(Number.MAX_VALUE, LIMITS)).toBe('timestamp_in_future');
    });

    it('accepts a time up to maxAgeMs old, and rejects one older as timestamp_too_old', () => {
      expect(at(NOW - LIMITS.maxAgeMs, LIMITS)).toBe(NOW - LIMITS.maxAgeMs);
      expect(at(NOW - LIMITS.maxAgeMs - 1, LIMITS)).toBe('timestamp_too_old');
      expect(at('1970-01-01T00:00:00Z', LIMITS)).toBe('timestamp_too_old');
      expect(at(0, LIMITS)).toBe('timestamp_too_old');
    });

    it('bounds the arrival time too', () => {
      expect(timeOf(raw({ receivedAt: NOW + LIMITS.maxFutureMs + 1 }), LIMITS, NOW)).toBe('timestamp_in_future');
    });

    it('judges by the given clock, not the machine clock', () => {
      const later = NOW + 86_400_000;
      expect(timeOf(raw({ timestamp: NOW + 3_600_000 }), LIMITS, NOW)).toBe('timestamp_in_future');
      expect(timeOf(raw({ timestamp: NOW + 3_600_000 }), LIMITS, later)).toBe(NOW + 3_600_000);
    });
  });
});

describe('normalizeReading', () => {
  it('turns a raw reading into a processed one', () => {
    expect(normalizeReading(raw({ quality: 'uncertain', timestamp: '2024-06-01T10:00:00Z' }), LIMITS, NOW)).toEqual({
      unitId: 'UNIT001',
      sensorType: 'temperature',
      value: 25.5,
      quality: 'UNCERTAIN',
      time: Date.UTC(2024, 5, 1, 10),
      source: 'mqtt',
    });
  });

  it('defaults to GOOD and the arrival time', () => {
    expect(normalizeReading(raw({ source: 'opcua' }), LIMITS, NOW)).toMatchObject({
      quality: 'GOOD',
      time: NOW - 1.25,
      source: 'opcua',
    });
  });

  it('keeps the historical mark of a past value, and adds none otherwise', () => {
    const settings: SensorSettings = { ...DEFAULT_SENSOR_SETTINGS, scaleFactor: 2 };
    expect(normalizeReading(raw({ historical: true }), LIMITS, NOW, settings)).toMatchObject({
      value: 51,
      historical: true,
    });
    expect(normalizeReading(raw(), LIMITS, NOW)).not.toHaveProperty('historical');
  });

  it('maps an OPC UA status code to its family', () => {
    expect(normalizeReading(raw({ quality: 0x80350000 }), LIMITS, NOW)).toMatchObject({ quality: 'BAD' });
    expect(normalizeReading(raw({ quality: 0x40000000 }), LIMITS, NOW)).toMatchObject({ quality: 'UNCERTAIN' });
    expect(normalizeReading(raw({ quality: 0 }), LIMITS, NOW)).toMatchObject({ quality: 'GOOD' });
  });

  it.each([['EXCELLENT'], [''], ['0x80350000'], [-1], [0.5], [2 ** 32]])(
    'rejects the quality %j as quality_unknown',
    (quality) => {
      expect(normalizeReading(raw({ quality }), LIMITS, NOW)).toBe('quality_unknown');
    },
  );

  it('passes the timestamp reasons on', () => {
    expect(normalizeReading(raw({ timestamp: 'soon' }), LIMITS, NOW)).toBe('timestamp_invalid');
    expect(normalizeReading(raw({ timestamp: NOW + 3_600_000 }), LIMITS, NOW)).toBe('timestamp_in_future');
    expect(normalizeReading(raw({ timestamp: 1 }), LIMITS, NOW)).toBe('timestamp_too_old');
  });

  it('reports an unknown quality before a bad timestamp (one reason per reading)', () => {
    expect(normalizeReading(raw({ quality: 'meh', timestamp: 'soon' }), LIMITS, NOW)).toBe('quality_unknown');
  });
});

describe('normalizeReading with sensor settings', () => {
  /** Tenths of a kelvin in, degrees Celsius out, plausible from -50 to 150 °C. */
  const KELVIN_TENTHS: SensorSettings = { scaleFactor: 0.1, offset: -273.15, validMin: -50, validMax: 150 };
  const apply = (fields: Partial<RawReading>, settings: SensorSettings) =>
    normalizeReading(raw(fields), LIMITS, NOW, settings);

  it('stores value × scale_factor + offset', () => {
    const reading = apply({ value: 2981.5 }, KELVIN_TENTHS);
    expect(reading).toMatchObject({ quality: 'GOOD', time: NOW - 1.25 });
    expect((reading as { value: number }).value).toBeCloseTo(25, 10);
  });

  it('keeps a value outside the valid range, with quality BAD', () => {
    const hot = apply({ value: 5000 }, KELVIN_TENTHS);
    expect(hot).toMatchObject({ quality: 'BAD' });
    expect((hot as { value: number }).value).toBeCloseTo(226.85, 10);
    expect(apply({ value: 0 }, KELVIN_TENTHS)).toMatchObject({ value: -273.15, quality: 'BAD' });
  });

  it('judges the range on the engineering value, bounds included', () => {
    const range: SensorSettings = { scaleFactor: 2, offset: 0, validMin: 0, validMax: 100 };
    expect(apply({ value: 50 }, range)).toMatchObject({ value: 100, quality: 'GOOD' });
    expect(apply({ value: 0 }, range)).toMatchObject({ value: 0, quality: 'GOOD' });
    expect(apply({ value: 50.5 }, range)).toMatchObject({ value: 101, quality: 'BAD' });
    expect(apply({ value: -0.5 }, range)).toMatchObject({ value: -1, quality: 'BAD' });
  });

  it('lowers UNCERTAIN to BAD out of range, and never raises a sent quality in range', () => {
    expect(apply({ value: 5000, quality: 'uncertain' }, KELVIN_TENTHS)).toMatchObject({ quality: 'BAD' });
    expect(apply({ value: 2981.5, quality: 'uncertain' }, KELVIN_TENTHS)).toMatchObject({ quality: 'UNCERTAIN' });
    expect(apply({ value: 2981.5, quality: 'bad' }, KELVIN_TENTHS)).toMatchObject({ quality: 'BAD' });
  });

  it('rejects a value the scaling takes beyond a double as value_overflow', () => {
    expect(apply({ value: Number.MAX_VALUE }, { ...DEFAULT_SENSOR_SETTINGS, scaleFactor: 10 })).toBe('value_overflow');
    expect(apply({ value: -Number.MAX_VALUE }, { ...DEFAULT_SENSOR_SETTINGS, scaleFactor: 2 })).toBe('value_overflow');
  });

  it('leaves the value untouched under the default settings', () => {
    expect(apply({ value: 0.1 + 0.2 }, DEFAULT_SENSOR_SETTINGS)).toMatchObject({ value: 0.1 + 0.2, quality: 'GOOD' });
    expect(normalizeReading(raw({ value: -12.25 }), LIMITS, NOW)).toMatchObject({ value: -12.25 });
  });

  it('rejects for quality and time before applying settings (one reason per reading)', () => {
    expect(apply({ quality: 'meh', value: 5000 }, KELVIN_TENTHS)).toBe('quality_unknown');
    expect(apply({ timestamp: 'soon', value: 5000 }, KELVIN_TENTHS)).toBe('timestamp_invalid');
  });
});

describe('normalizeUnitStatus', () => {
  const status = { unitId: 'UNIT001', status: 'maintenance' as const, receivedAt: NOW - 0.5, source: 'mqtt' as const };

  it('keeps the status and takes its time by the reading rules', () => {
    expect(normalizeUnitStatus(status, LIMITS, NOW)).toEqual({
      unitId: 'UNIT001',
      status: 'maintenance',
      time: NOW - 0.5,
      source: 'mqtt',
    });
    expect(normalizeUnitStatus({ ...status, timestamp: '2024-06-01T11:00:00Z' }, LIMITS, NOW)).toMatchObject({
      time: Date.UTC(2024, 5, 1, 11),
    });
    expect(normalizeUnitStatus({ ...status, timestamp: NOW / 1000 - 60 }, LIMITS, NOW)).toMatchObject({
      time: NOW - 60_000,
    });
  });

  it('rejects a status with a bad, future or ancient timestamp, like a reading', () => {
    expect(normalizeUnitStatus({ ...status, timestamp: 'yesterday' }, LIMITS, NOW)).toBe('timestamp_invalid');
    expect(normalizeUnitStatus({ ...status, timestamp: NOW + 3_600_000 }, LIMITS, NOW)).toBe('timestamp_in_future');
    expect(normalizeUnitStatus({ ...status, timestamp: '2020-01-01T00:00:00Z' }, LIMITS, NOW)).toBe(
      'timestamp_too_old',
    );
  });
});

describe('normalizeReading of digital and enum points', () => {
  const PUMP_STATE: SensorSettings = {
    ...DEFAULT_SENSOR_SETTINGS,
    // Scale and range are for measurements: a state's number is stored as sent even if they are set.
    scaleFactor: 10,
    validMax: 0.5,
    kind: 'enum',
    states: stateTableFor('enum', [
      { value: 0, name: 'stopped' },
      { value: 1, name: 'running' },
      { value: 2, name: 'fault' },
    ]),
  };
  const RUNNING: SensorSettings = {
    ...DEFAULT_SENSOR_SETTINGS,
    kind: 'digital',
    states: stateTableFor('digital', null),
  };
  const apply = (fields: Partial<RawReading>, settings: SensorSettings) =>
    normalizeReading(raw(fields), LIMITS, NOW, settings);

  it('stores an enum value as sent, with the name of its state', () => {
    expect(apply({ value: 2 }, PUMP_STATE)).toMatchObject({ value: 2, quality: 'GOOD', state: 'fault' });
    expect(apply({ value: 0 }, PUMP_STATE)).toMatchObject({ value: 0, quality: 'GOOD', state: 'stopped' });
  });

  it('names a digital point OFF/ON unless it has labels of its own', () => {
    expect(apply({ value: 1 }, RUNNING)).toMatchObject({ value: 1, state: 'ON' });
    expect(apply({ value: 0 }, RUNNING)).toMatchObject({ value: 0, state: 'OFF' });
    const breaker = {
      ...RUNNING,
      states: stateTableFor('digital', [
        { value: 0, name: 'CLOSED' },
        { value: 1, name: 'OPEN' },
      ]),
    };
    expect(apply({ value: 1 }, breaker)).toMatchObject({ state: 'OPEN' });
  });

  it.each([7, -1, 1.5])('stores %p, a value the state table does not name, as UNCERTAIN without a name', (value) => {
    const reading = apply({ value }, PUMP_STATE);
    expect(reading).toMatchObject({ value, quality: 'UNCERTAIN', state: undefined });
    expect(isUnknownState(reading as ProcessedReading, PUMP_STATE)).toBe(true);
    expect(apply({ value: 2 }, RUNNING)).toMatchObject({ value: 2, quality: 'UNCERTAIN', state: undefined });
  });

  it('never raises a sent quality: BAD stays BAD, named or not', () => {
    expect(apply({ value: 1, quality: 'bad' }, PUMP_STATE)).toMatchObject({ quality: 'BAD', state: 'running' });
    expect(apply({ value: 9, quality: 'bad' }, PUMP_STATE)).toMatchObject({ quality: 'BAD' });
  });

  it('takes a value sent as a state name from the state table, ignoring case', () => {
    expect(apply({ value: Number.NaN, stateName: 'Running' }, PUMP_STATE)).toMatchObject({
      value: 1,
      quality: 'GOOD',
      state: 'running',
    });
    expect(apply({ value: Number.NaN, stateName: 'on' }, RUNNING)).toMatchObject({ value: 1, state: 'ON' });
    const reading = apply({ value: Number.NaN, stateName: 'fault', quality: 'uncertain' }, PUMP_STATE);
    expect(reading).toMatchObject({ value: 2, quality: 'UNCERTAIN', state: 'fault' });
  });

  it('refuses a state name the table lacks, and one sent to an analog point, as state_name_unknown', () => {
    expect(apply({ value: Number.NaN, stateName: 'exploded' }, PUMP_STATE)).toBe('state_name_unknown');
    expect(apply({ value: Number.NaN, stateName: 'running' }, DEFAULT_SENSOR_SETTINGS)).toBe('state_name_unknown');
  });

  it('counts nothing unknown for named states and analog readings', () => {
    expect(isUnknownState(apply({ value: 1 }, PUMP_STATE) as ProcessedReading, PUMP_STATE)).toBe(false);
    const analog = apply({ value: 7 }, DEFAULT_SENSOR_SETTINGS) as ProcessedReading;
    expect(analog.state).toBeUndefined();
    expect(isUnknownState(analog, DEFAULT_SENSOR_SETTINGS)).toBe(false);
  });
});
