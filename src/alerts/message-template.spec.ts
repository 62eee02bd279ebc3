import type { AlertRule } from './alert-rule.js';
import { formatNumber, placeholdersIn, renderAlarmMessage, renderTemplate, thresholdText } from './message-template.js';

describe('formatNumber', () => {
  it.each([
    [90, '90'],
    [-10, '-10'],
    [0, '0'],
    [-0, '0'],
    [85.5, '85.5'],
    [85.40000000000001, '85.4'],
    [90.126, '90.13'],
    [85.999, '86'],
    [-3.14159, '-3.14'],
    [123456.789, '123456.79'],
    [0.5, '0.5'],
    [0.123456, '0.123'],
    [0.000123456, '0.000123'],
    [-0.0456789, '-0.0457'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
  ])('formats %p as %p', (n, text) => {
    expect(formatNumber(n)).toBe(text);
  });
});

describe('renderTemplate', () => {
  it('fills known placeholders, numbers formatted', () => {
    expect(renderTemplate('High temperature alert: {value}°C', { value: 90.123 })).toBe(
      'High temperature alert: 90.12°C',
    );
  });

  it('fills every occurrence of a placeholder', () => {
    expect(renderTemplate('{value} / {value}', { value: 1 })).toBe('1 / 1');
  });

  it('leaves unknown placeholders as written', () => {
    expect(renderTemplate('{valu} on {unit_id}', { unit_id: 'UNIT001' })).toBe('{valu} on UNIT001');
  });

  it('renders a known placeholder without a value as n/a', () => {
    expect(renderTemplate('limit {threshold}', { threshold: null })).toBe('limit n/a');
    expect(renderTemplate('limit {threshold}', { threshold: undefined })).toBe('limit n/a');
  });

  it('does not reach Object.prototype through a placeholder', () => {
    expect(renderTemplate('{constructor} {toString} {__proto__} {hasOwnProperty}', {})).toBe(
      '{constructor} {toString} {__proto__} {hasOwnProperty}',
    );
  });

  it('does not expand placeholders inside inserted values', () => {
    expect(renderTemplate('{unit_id} {value}', { unit_id: '{value}', value: 5 })).toBe('{value} 5');
  });

  it('inserts replacement patterns literally', () => {
    expect(renderTemplate('[{unit_id}]', { unit_id: "$& $1 $$ $` $'" })).toBe("[$& $1 $$ $` $']");
  });

  it('leaves text without placeholders, lone braces and non-identifier braces alone', () => {
    expect(renderTemplate('{ value } {} {1x} {', { value: 1 })).toBe('{ value } {} {1x} {');
  });
});

describe('placeholdersIn', () => {
  it('lists distinct names in order of first use', () => {
    expect(placeholdersIn('{value} {unit_id} {value} {oops}')).toEqual(['value', 'unit_id', 'oops']);
  });
});

describe('thresholdText', () => {
  const base = { threshold: null, low: null, high: null };

  it('shows a single limit', () => {
    expect(thresholdText({ ...base, condition: 'greater_than', threshold: 85 })).toBe('85');
  });

  it('shows a range as low–high', () => {
    expect(thresholdText({ ...base, condition: 'outside_range', low: 0.5, high: 8 })).toBe('0.5–8');
    expect(thresholdText({ ...base, condition: 'inside_range', low: 10, high: 20.25 })).toBe('10–20.25');
  });

  it('has nothing for bad_quality or a missing limit', () => {
    expect(thresholdText({ ...base, condition: 'bad_quality' })).toBeNull();
    expect(thresholdText({ ...base, condition: 'less_than' })).toBeNull();
    expect(thresholdText({ ...base, condition: 'outside_range', low: 1 })).toBeNull();
  });
});

describe('renderAlarmMessage', () => {
  const rule: Pick<AlertRule, 'message' | 'condition' | 'threshold' | 'low' | 'high'> = {
    message: '{sensor_type} on {unit_id}: {value} (limit {threshold})',
    condition: 'greater_than',
    threshold: 85,
    low: null,
    high: null,
  };

  it('fills all four placeholders', () => {
    expect(renderAlarmMessage(rule, { unitId: 'UNIT001', sensorType: 'temperature', value: 90 })).toBe(
      'temperature on UNIT001: 90 (limit 85)',
    );
  });

  it('renders the seed rule as the seed wrote it', () => {
    const seed = { ...rule, message: 'High temperature alert: {value}°C' };
    expect(renderAlarmMessage(seed, { unitId: 'UNIT001', sensorType: 'temperature', value: 90 })).toBe(
      'High temperature alert: 90°C',
    );
  });

  it('shows ranges and missing values', () => {
    const range = { ...rule, condition: 'outside_range' as const, threshold: null, low: 0.5, high: 8 };
    expect(renderAlarmMessage(range, { unitId: 'U', sensorType: 'pressure', value: null })).toBe(
      'pressure on U: n/a (limit 0.5–8)',
    );
  });
});

describe('renderAlarmMessage with {state}', () => {
  const rule: Pick<AlertRule, 'message' | 'condition' | 'threshold' | 'low' | 'high'> = {
    message: 'Pump {unit_id} is {state} ({value})',
    condition: 'equals',
    threshold: 2,
    low: null,
    high: null,
  };

  it('shows the state name of a digital or enum value', () => {
    expect(renderAlarmMessage(rule, { unitId: 'UNIT001', sensorType: 'pump_state', value: 2, state: 'fault' })).toBe(
      'Pump UNIT001 is fault (2)',
    );
  });

  it('falls back to the value where there is no name (analog, or a value the table does not know)', () => {
    expect(renderAlarmMessage(rule, { unitId: 'UNIT001', sensorType: 'pump_state', value: 7 })).toBe(
      'Pump UNIT001 is 7 (7)',
    );
  });
});
