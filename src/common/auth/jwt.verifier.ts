import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { IDENTIFIER } from '../identifier.js';
import { ROLES, type Role } from './access.js';
import type { Principal } from './principal.js';

export interface JwtSettings {
  issuer: string;
  audience: string;
  secret?: string;
  jwksUrl?: string;
  roleClaim: string;
  unitsClaim: string;
}

/** Asymmetric algorithms an identity provider signs with; HS256 only with a shared secret, never `none`. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/** Reads `a.b.c` from the payload (Keycloak keeps roles under realm_access.roles). */
function claim(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The highest known role in a claim that is one role name or a list of them. */
export function roleOf(value: unknown): Role | undefined {
  const names = Array.isArray(value) ? value : [value];
  let best = -1;
  for (const name of names) best = Math.max(best, ROLES.indexOf(name as Role));
  return best < 0 ? undefined : ROLES[best];
}

/**
 * Checks bearer JWTs from an external identity provider: signature (shared HS256 secret, or the provider's JWKS),
 * issuer, audience, expiry. The role comes from a configurable claim; a token without a known role is refused.
 */
export class JwtVerifier {
  private readonly key: Uint8Array | ReturnType<typeof createRemoteJWKSet>;
  private readonly algorithms: string[];

  constructor(private readonly settings: JwtSettings) {
    if (settings.secret !== undefined) {
      this.key = new TextEncoder().encode(settings.secret);
      this.algorithms = ['HS256'];
    } else {
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl!));
      this.algorithms = JWKS_ALGORITHMS;
    }
  }

  /** The caller, or undefined for any token that does not pass (the reason is not told to the caller). */
  async verify(token: string): Promise<Principal | undefined> {
    let payload: JWTPayload;
    try {
      const options = {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 5,
      };
      // Two calls instead of one on a union: jose types the key getter and the raw key separately.
      payload =
        this.key instanceof Uint8Array
          ? (await jwtVerify(token, this.key, options)).payload
          : (await jwtVerify(token, this.key, options)).payload;
    } catch {
      return undefined;
    }
    const role = roleOf(claim(payload, this.settings.roleClaim));
    if (role === undefined || typeof payload.sub !== 'string' || payload.exp === undefined) return undefined;
    const unitsClaim = claim(payload, this.settings.unitsClaim);
    let units: string[] | undefined;
    if (unitsClaim !== undefined) {
      if (!Array.isArray(unitsClaim) || !unitsClaim.every((u) => typeof u === 'string' && IDENTIFIER.test(u))) {
        return undefined;
      }
      units = unitsClaim as string[];
    }
    const nameClaim = payload.preferred_username ?? payload.name;
    const name = typeof nameClaim === 'string' && nameClaim.trim() !== '' ? nameClaim.trim() : payload.sub;
    return {
      kind: 'jwt',
      id: payload.sub,
      // Control characters would let a token forge lines in the alarm history or the logs.
      // eslint-disable-next-line no-control-regex
      name: name.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 128),
      role,
      units,
      expiresAt: payload.exp * 1000,
    };
  }
}
