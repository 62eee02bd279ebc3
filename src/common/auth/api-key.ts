import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys are `tc_<id>_<secret>`: a 16-hex-digit id (public: it names the key in lists, logs and the audit
 * trail) and a 256-bit random secret in base64url. Only the SHA-256 of the secret is stored. A slow password hash
 * would add nothing: the secret is random, not chosen by a person, so it cannot be guessed from a dictionary.
 */
export const API_KEY_FORMAT = /^tc_([0-9a-f]{16})_([A-Za-z0-9_-]{32,128})$/;

export interface ParsedApiKey {
  id: string;
  secret: string;
}

export interface NewApiKey extends ParsedApiKey {
  /** The whole key as the client sends it; shown once, never stored. */
  token: string;
  secretHash: string;
}

export function parseApiKey(token: string): ParsedApiKey | undefined {
  const match = API_KEY_FORMAT.exec(token);
  return match ? { id: match[1], secret: match[2] } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares the secret's hash with the stored one in constant time (both are 32-byte digests). */
export function secretMatches(secret: string, storedHash: string): boolean {
  const stored = Buffer.from(storedHash, 'hex');
  const given = createHash('sha256').update(secret, 'utf8').digest();
  return stored.length === given.length && timingSafeEqual(stored, given);
}

export function generateApiKey(): NewApiKey {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `tc_${id}_${secret}`, secretHash: hashSecret(secret) };
}

/** The key built from a given token (AUTH_BOOTSTRAP_ADMIN_KEY); undefined when it is malformed. */
export function apiKeyFromToken(token: string): NewApiKey | undefined {
  const parsed = parseApiKey(token);
  return parsed && { ...parsed, token, secretHash: hashSecret(parsed.secret) };
}
