import type { AlertRuleDefinition } from './alert-rule.js';

/**
 * For specs: a rule shaped like the seeded high-temperature rule, spelled out (not read from the defaults) so a
 * change to the defaults cannot silently change what the specs test.
 */
export function temperatureRule(overrides: Partial<AlertRuleDefinition> = {}): AlertRuleDefinition {
  return {
    sensorType: 'temperature',
    unitId: null,
    condition: 'greater_than',
    threshold: 85,
    low: null,
    high: null,
    ratePer: null,
    severity: 'critical',
    message: 'High temperature alert: {value}°C',
    deadband: 2,
    onDelaySeconds: 0,
    offDelaySeconds: 0,
    enabled: true,
    ...overrides,
  };
}
