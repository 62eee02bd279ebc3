import { apiKeyFromToken, generateApiKey, hashSecret, parseApiKey, secretMatches } from './api-key.js';
import { unitIdsOf } from './unit-ids.js';
import { roleOf } from './jwt.verifier.js';

describe('API keys', () => {
  it('are tc_<id>_<secret> with a 256-bit secret, stored as its SHA-256 only', () => {
    const key = generateApiKey();
    expect(key.token).toMatch(/^tc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(key.token)).toEqual({ id: key.id, secret: key.secret });
    expect(key.secretHash).toBe(hashSecret(key.secret));
    expect(key.secretHash).not.toContain(key.secret);
    expect(generateApiKey().token).not.toBe(key.token);
  });

  it('match only their own secret', () => {
    const key = generateApiKey();
    expect(secretMatches(key.secret, key.secretHash)).toBe(true);
    expect(secretMatches(key.secret + 'x', key.secretHash)).toBe(false);
    expect(secretMatches(key.secret, 'ab')).toBe(false);
  });

  it('refuses anything not shaped like a key', () => {
    for (const token of ['', 'tc_', 'tc_0123_abc', 'Bearer tc_0123456789abcdef_' + 'a'.repeat(43), 'x'.repeat(80)]) {
      expect(parseApiKey(token)).toBeUndefined();
      expect(apiKeyFromToken(token)).toBeUndefined();
    }
  });
});

describe('unit ids a request names', () => {
  it('are read from the path, the query and the body, single or repeated', () => {
    expect(unitIdsOf({ params: { unit_id: 'A' }, query: { unit_id: ['B', 'C'] }, body: { unit_id: 'D' } })).toEqual([
      'A',
      'B',
      'C',
      'D',
    ]);
    expect(unitIdsOf({ params: {}, query: {}, body: [{ unit_id: 'X' }] })).toEqual([]);
  });
});

describe('the role claim of a JWT', () => {
  it('is one role name or the highest known one in a list', () => {
    expect(roleOf('operator')).toBe('operator');
    expect(roleOf(['viewer', 'offline_access', 'engineer'])).toBe('engineer');
    expect(roleOf('root')).toBeUndefined();
    expect(roleOf(undefined)).toBeUndefined();
  });
});
