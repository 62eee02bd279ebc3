import { ForbiddenException } from '@nestjs/common';
import { credentialReuseProblem, downgradeProblem } from './outbound-credentials.js';
import { assertUnitInScope, grantProblem, mayAccessUnit, type Principal } from './principal.js';

const key = (role: Principal['role'], units?: string[]): Principal => ({
  kind: 'api_key',
  id: 'k',
  name: 'k',
  role,
  units,
});

describe('object-level scope', () => {
  it('lets an unscoped caller reach every unit and plant-wide objects, a scoped one only its units', () => {
    expect(mayAccessUnit(key('viewer'), 'UNIT002')).toBe(true);
    expect(mayAccessUnit(key('viewer'), null)).toBe(true);
    const scoped = key('operator', ['UNIT001']);
    expect(mayAccessUnit(scoped, 'UNIT001')).toBe(true);
    expect(mayAccessUnit(scoped, 'UNIT002')).toBe(false);
    expect(mayAccessUnit(scoped, null)).toBe(false);
  });

  it('answers 403 with the reason for an object outside the scope', () => {
    const scoped = key('operator', ['UNIT001']);
    expect(() => assertUnitInScope(scoped, 'UNIT001')).not.toThrow();
    expect(() => assertUnitInScope(scoped, 'UNIT002', 'Alarm a1')).toThrow(
      new ForbiddenException("Alarm a1 belongs to unit 'UNIT002', outside the units this credential may access"),
    );
    expect(() => assertUnitInScope(scoped, null, 'Rule r1')).toThrow(/Rule r1 is plant-wide/);
  });

  it('lets a key create keys no higher in role and no wider in units than its own', () => {
    expect(grantProblem(key('admin'), 'admin', undefined)).toBeUndefined();
    expect(grantProblem(key('operator'), 'engineer', undefined)).toBe(
      'A operator cannot create a key with role engineer',
    );
    const scopedAdmin = key('admin', ['UNIT001', 'UNIT002']);
    expect(grantProblem(scopedAdmin, 'admin', ['UNIT002'])).toBeUndefined();
    expect(grantProblem(scopedAdmin, 'viewer', undefined)).toContain('must name units among them');
    expect(grantProblem(scopedAdmin, 'viewer', [])).toContain('must name units among them');
    expect(grantProblem(scopedAdmin, 'viewer', ['UNIT001', 'UNIT003'])).toBe(
      "Units outside this credential's scope: UNIT003",
    );
  });
});

describe('outbound credentials', () => {
  const base = { variable: 'MQTT_PASSWORD', configuredPassword: 'secret', password: undefined };

  it('keeps the configured password for the configured server and user', () => {
    expect(credentialReuseProblem({ ...base, elsewhere: false })).toBeUndefined();
    expect(credentialReuseProblem({ ...base, elsewhere: true })).toContain('must bring its own password');
    expect(credentialReuseProblem({ ...base, elsewhere: true, password: 'own' })).toBeUndefined();
    expect(credentialReuseProblem({ ...base, elsewhere: true, configuredPassword: undefined })).toBeUndefined();
  });

  it('refuses only an explicit plaintext connect when the configuration is secure', () => {
    expect(downgradeProblem(true, false, 'MQTT_TLS')).toContain('plaintext connect is refused');
    expect(downgradeProblem(true, undefined, 'MQTT_TLS')).toBeUndefined();
    expect(downgradeProblem(true, true, 'MQTT_TLS')).toBeUndefined();
    expect(downgradeProblem(false, false, 'MQTT_TLS')).toBeUndefined();
  });
});
