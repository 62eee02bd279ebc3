import { ForbiddenException } from '@nestjs/common';
import { type Role, roleSatisfies } from './access.js';

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

/** Whether the caller may see or act on this unit (`null`: a plant-wide object, for unscoped callers only). */
export function mayAccessUnit(principal: Principal, unitId: string | null): boolean {
  return principal.units === undefined || (unitId !== null && principal.units.includes(unitId));
}

/**
 * The one object-level check (OWASP API1): a service calls it on the unit of the resource it has just loaded (an
 * alarm, a rule, a sensor, a mapping), not on what the path says. `null` stands for a plant-wide object (a rule not
 * bound to a unit): only a caller without a unit scope may touch it. Out of scope is 403, not 404: ids are random
 * UUIDs or sequence numbers of objects a scoped caller can list anyway, and 403 tells the operator why.
 */
export function assertUnitInScope(principal: Principal, unitId: string | null, what = 'This object'): void {
  if (mayAccessUnit(principal, unitId)) return;
  if (unitId === null) {
    throw new ForbiddenException(`${what} is plant-wide (not bound to a unit); this credential is limited to units`);
  }
  throw new ForbiddenException(`${what} belongs to unit '${unitId}', outside the units this credential may access`);
}

/**
 * Whether `holder` may hand out a credential with this role and units: a role no higher than its own, and units
 * a subset of its own (a unit-scoped admin cannot mint a plant-wide key).
 */
export function grantProblem(holder: Principal, role: Role, units: readonly string[] | undefined): string | undefined {
  if (!roleSatisfies(holder.role, role)) return `A ${holder.role} cannot create a key with role ${role}`;
  if (holder.units === undefined) return undefined;
  if (units === undefined || units.length === 0) {
    return `This credential is limited to units ${holder.units.join(', ')}: a new key must name units among them`;
  }
  const outside = units.filter((u) => !holder.units!.includes(u));
  return outside.length > 0 ? `Units outside this credential's scope: ${outside.join(', ')}` : undefined;
}

/** The request property the guard stores the principal in. */
export interface AuthenticatedRequest {
  principal?: Principal;
}
