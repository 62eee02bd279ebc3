import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';

/**
 * Who may call what. Every HTTP route and every Socket.IO event handler carries exactly one of these two
 * decorators; a test enumerates them all and fails on one without. Roles are ordered: each includes the rights of
 * the ones before it.
 *
 * - viewer: read everything, join unit rooms
 * - operator: plus acknowledge and shelve alarms
 * - engineer: plus alarm rules, sensor settings, MQTT publish/subscribe, OPC UA mappings, simulator
 * - admin: plus MQTT/OPC UA connect and disconnect, API keys, audit log
 */
export const ROLES = ['viewer', 'operator', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const REQUIRED_ROLE = 'scada:required-role';
export const PUBLIC_ACCESS = 'scada:public';

/** True when a holder of `held` may do what needs `needed`. */
export function roleSatisfies(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** The route or event needs an authenticated caller with at least this role. */
export const RequireRole = (role: Role): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, malformed, expired or unknown credentials' }),
    ApiForbiddenResponse({ description: `Needs role ${role} or higher (or the unit is outside the key's scope)` }),
  );

/**
 * Open to anyone, on purpose: health probes, metrics, the API docs and the dashboard's static files. The reason is
 * kept as metadata so the route-enumeration test can list the exceptions.
 */
export const PublicAccess = (reason: string): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ACCESS, reason);

export const STRICT_RATE_LIMIT = 'scada:strict-rate-limit';

/**
 * Puts the route under the strict per-caller rate limit (MQTT_PUBLISH_RATE_LIMIT_PER_MINUTE) on top of the general
 * one: for actions that reach the plant, such as publishing MQTT messages.
 */
export const StrictRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(STRICT_RATE_LIMIT, true);
