import { DEFAULT_ALERT_RULES } from '../alert-rule.js';
import { nullRequiredFields, toAlertRuleDefinition } from './alert-rule.dto.js';

const stored = DEFAULT_ALERT_RULES[1]; // pressure > 9, on-delay 2 s

describe('toAlertRuleDefinition', () => {
  it('fills what a created rule leaves out with the defaults', () => {
    expect(
      toAlertRuleDefinition({
        sensor_type: 'level',
        condition: 'less_than',
        threshold: 3,
        severity: 'info',
        message: 'Low',
      }),
    ).toEqual({
      sensorType: 'level',
      unitId: null,
      condition: 'less_than',
      threshold: 3,
      low: null,
      high: null,
      ratePer: null,
      severity: 'info',
      message: 'Low',
      deadband: 0,
      onDelaySeconds: 0,
      offDelaySeconds: 0,
      enabled: true,
    });
  });

  it('changes only what a PATCH sends', () => {
    expect(toAlertRuleDefinition({ threshold: 10, enabled: false }, stored)).toEqual({
      ...stored,
      threshold: 10,
      enabled: false,
    });
  });

  it('resets an optional field that a PATCH sends as null', () => {
    const scoped = { ...stored, unitId: 'UNIT001', deadband: 0.5 };
    expect(toAlertRuleDefinition({ unit_id: null, deadband: null }, scoped)).toMatchObject({
      unitId: null,
      deadband: 0,
    });
  });
});

describe('nullRequiredFields', () => {
  it('names the fields a rule cannot do without', () => {
    expect(nullRequiredFields({ sensor_type: null, message: null, unit_id: null } as never)).toEqual([
      'sensor_type must not be null',
      'message must not be null',
    ]);
    expect(nullRequiredFields({ threshold: null })).toEqual([]);
  });
});
