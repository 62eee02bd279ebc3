import {
  ALERT_CONDITIONS,
  ALERT_SEVERITIES,
  DEFAULT_ALERT_RULES,
  ruleApplies,
  SEVERITY_RANK,
  validateAlertRule,
} from './alert-rule.js';
import { temperatureRule } from './alert-rule.fixture.js';
import { evaluate, initialEvaluationState } from './alarm.evaluator.js';

const rule = temperatureRule;

describe('validateAlertRule', () => {
  it('accepts a complete rule', () => {
    expect(validateAlertRule(rule())).toEqual([]);
  });

  it.each([
    ['greater_than', { threshold: 1 }],
    ['less_than', { threshold: 1 }],
    ['greater_or_equal', { threshold: 1 }],
    ['less_or_equal', { threshold: 1 }],
    ['equals', { threshold: 1 }],
    ['not_equals', { threshold: 1 }],
    ['outside_range', { threshold: null, low: 0.5, high: 8 }],
    ['inside_range', { threshold: null, low: 0.5, high: 8 }],
    ['rate_of_change', { threshold: 2, ratePer: 'minute', deadband: 0.5 }],
    ['bad_quality', { threshold: null }],
    ['no_data', { threshold: 30 }],
  ] as const)('accepts a valid %s rule', (condition, fields) => {
    expect(validateAlertRule(rule({ condition, ...fields }))).toEqual([]);
  });

  it('covers every condition above', () => {
    expect(ALERT_CONDITIONS).toHaveLength(11);
  });

  it.each([
    ['a comparison without threshold', { threshold: null }, 'greater_than needs a numeric threshold'],
    ['a comparison with a NaN threshold', { threshold: NaN }, 'greater_than needs a numeric threshold'],
    [
      'outside_range with low ≥ high',
      { condition: 'outside_range', low: 8, high: 0.5, deadband: 0 },
      'outside_range needs low < high (got low 8, high 0.5)',
    ],
    [
      'inside_range with low = high',
      { condition: 'inside_range', low: 5, high: 5, deadband: 0 },
      'inside_range needs low < high (got low 5, high 5)',
    ],
    [
      'a range without high',
      { condition: 'outside_range', low: 1, high: null },
      'outside_range needs numeric low and high thresholds',
    ],
    [
      'outside_range with a deadband that could never clear',
      { condition: 'outside_range', low: 0, high: 4, deadband: 2 },
      'outside_range needs deadband < (high − low) / 2, or the alarm could never clear',
    ],
    ['a negative deadband', { deadband: -1 }, 'deadband must be a number ≥ 0'],
    ['an infinite deadband', { deadband: Infinity }, 'deadband must be a number ≥ 0'],
    ['a negative on-delay', { onDelaySeconds: -1 }, 'on_delay must be between 0 and 86400 seconds'],
    ['an off-delay over a day', { offDelaySeconds: 86_401 }, 'off_delay must be between 0 and 86400 seconds'],
    [
      'rate_of_change without a period',
      { condition: 'rate_of_change', threshold: 1, deadband: 0 },
      'rate_of_change needs rate_per: second or minute',
    ],
    [
      'rate_of_change with a zero threshold',
      { condition: 'rate_of_change', threshold: 0, ratePer: 'second' },
      'rate_of_change needs a threshold > 0 (the largest allowed change per second or minute)',
    ],
    [
      'rate_of_change with deadband ≥ threshold',
      { condition: 'rate_of_change', threshold: 2, ratePer: 'second', deadband: 2 },
      'rate_of_change needs deadband < threshold, or the alarm could never clear',
    ],
    [
      'no_data without seconds',
      { condition: 'no_data', threshold: null },
      'no_data needs a threshold between 0 and 604800 seconds of silence',
    ],
    [
      'no_data with negative seconds',
      { condition: 'no_data', threshold: -5 },
      'no_data needs a threshold between 0 and 604800 seconds of silence',
    ],
    ['an unknown condition', { condition: 'above' as never }, 'condition must be one of'],
    [
      'an unknown severity',
      { severity: 'emergency' as never },
      'severity must be one of info, warning, high, critical',
    ],
    ['an empty message', { message: '  ' }, 'message must not be empty'],
    ['a long message', { message: 'x'.repeat(501) }, 'message must be at most 500 characters'],
    [
      'a message with a misspelt placeholder',
      { message: 'Hot: {valeu} {unitid}' },
      'message uses unknown placeholders {valeu}, {unitid}; known: {value}, {state}, {threshold}, {unit_id}, {sensor_type}',
    ],
    ['a bad sensor type', { sensorType: 'temp/erature' }, 'sensor_type must be 1 to 64 letters'],
    ['an empty sensor type', { sensorType: '' }, 'sensor_type must be 1 to 64 letters'],
    ['a bad unit id', { unitId: 'UNIT 1' }, 'unit_id must be 1 to 64 letters'],
  ] as const)('reports %s', (_what, fields, problem) => {
    const problems = validateAlertRule(rule(fields));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('reports every problem at once', () => {
    expect(validateAlertRule(rule({ threshold: null, deadband: -1, message: '' }))).toHaveLength(3);
  });

  it('ignores fields a condition does not use', () => {
    expect(validateAlertRule(rule({ condition: 'bad_quality', threshold: null, low: 3, high: 1 }))).toEqual([]);
  });
});

describe('severities', () => {
  it('rank from info to critical', () => {
    const ranked = [...ALERT_SEVERITIES].sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b]);
    expect(ranked).toEqual(['info', 'warning', 'high', 'critical']);
  });
});

describe('ruleApplies', () => {
  it('matches the sensor type on every unit when unit_id is absent', () => {
    expect(ruleApplies(rule(), 'UNIT001', 'temperature')).toBe(true);
    expect(ruleApplies(rule(), 'UNIT002', 'temperature')).toBe(true);
    expect(ruleApplies(rule(), 'UNIT001', 'pressure')).toBe(false);
  });

  it('matches one unit only when unit_id is set', () => {
    expect(ruleApplies(rule({ unitId: 'UNIT001' }), 'UNIT001', 'temperature')).toBe(true);
    expect(ruleApplies(rule({ unitId: 'UNIT001' }), 'UNIT002', 'temperature')).toBe(false);
  });
});

describe('DEFAULT_ALERT_RULES', () => {
  it('are three valid, enabled rules', () => {
    expect(DEFAULT_ALERT_RULES).toHaveLength(3);
    for (const r of DEFAULT_ALERT_RULES) {
      expect(validateAlertRule(r)).toEqual([]);
      expect(r.enabled).toBe(true);
    }
  });

  it("include the seed's high-temperature rule: temperature > 85 → critical", () => {
    expect(DEFAULT_ALERT_RULES).toContainEqual(
      expect.objectContaining({
        sensorType: 'temperature',
        unitId: null,
        condition: 'greater_than',
        threshold: 85,
        severity: 'critical',
        message: 'High temperature alert: {value}°C',
        onDelaySeconds: 0,
      }),
    );
  });

  it('cover pressure and flow rate', () => {
    expect(DEFAULT_ALERT_RULES.map((r) => r.sensorType)).toEqual(['temperature', 'pressure', 'flow_rate']);
  });

  // Normal operation: temperature −10..40 °C, pressure 0.5..8 bar, flow 50..300 L/min.
  it.each([
    ['temperature', [-10, 0, 25, 40]],
    ['pressure', [0.5, 4, 8]],
    ['flow_rate', [50, 175, 300]],
  ] as const)('stay quiet for %s anywhere in its normal range', (sensorType, values) => {
    const r = DEFAULT_ALERT_RULES.find((d) => d.sensorType === sensorType)!;
    let state = initialEvaluationState();
    values.forEach((value, i) => {
      const reading = {
        unitId: 'UNIT001',
        sensorType,
        value,
        quality: 'GOOD' as const,
        time: i * 60_000,
        source: 'mqtt' as const,
      };
      const result = evaluate(r, state, { kind: 'reading', reading });
      expect(result.transition).toBeNull();
      state = result.state;
    });
    expect(state.alarmed).toBe(false);
    expect(state.pendingSince).toBeNull();
  });
});
