import { generateApiKey } from '../common/auth/api-key.js';
import { mosquittoHash } from './device-access.js';

/** A new device credential: the secret (shown once) and what is stored of it. */
export interface NewDeviceCredential {
  id: string;
  /** The MQTT password; never stored. */
  secret: string;
  /** SHA-256, checked by the embedded broker (the API keys' hashing). */
  secretHash: string;
  /** PBKDF2-SHA512 `$7$`, for the password file of an external Mosquitto. */
  mosquittoHash: string;
}

/**
 * Ids and secrets are made like API keys' (a 16-hex-digit id, a 256-bit random secret), and hashed the same way.
 * The Mosquitto hash is computed now, while the secret is known, so `export-mosquitto` never needs the secret.
 */
export function newDeviceCredential(): NewDeviceCredential {
  const { id, secret, secretHash } = generateApiKey();
  return { id, secret, secretHash, mosquittoHash: mosquittoHash(secret) };
}

/** Units as stored: unique and sorted. */
export function normalisedUnits(units: readonly string[]): string[] {
  return [...new Set(units)].sort();
}
