import type { Role } from './access.js';

/** Who is calling, once the credentials are checked. */
export interface Principal {
  /** How the caller proved who it is. `anonymous` only when AUTH_ENABLED=false. */
  kind: 'api_key' | 'jwt' | 'anonymous';
  /** Key id, or the token's subject. */
  id: string;
  /** Shown as the actor in the alarm history and the audit log: the key's name, or the token's user name. */
  name: string;
  role: Role;
  /** Units the caller is limited to; undefined means every unit. */
  units?: readonly string[];
  /** When the credential stops being valid (JWT exp), in epoch ms. */
  expiresAt?: number;
}

export const ANONYMOUS: Principal = { kind: 'anonymous', id: 'anonymous', name: 'anonymous', role: 'admin' };

/** Whether the caller may see or act on this unit. */
export function mayAccessUnit(principal: Principal, unitId: string): boolean {
  return principal.units === undefined || principal.units.includes(unitId);
}

/** The request property the guard stores the principal in. */
export interface AuthenticatedRequest {
  principal?: Principal;
}
