import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ANONYMOUS, type AuthenticatedRequest } from './principal.js';

/**
 * Who performs an operator action (acknowledge, shelve, rule changes), for the alarm history: the authenticated
 * caller's name (the API key's name, or the user name in the JWT). With AUTH_ENABLED=false it is `anonymous`.
 * Callers no longer name themselves: the former X-Actor header is ignored.
 */
export const ANONYMOUS_ACTOR = ANONYMOUS.name;

/** Injects the actor of the request. */
export const Actor = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): string =>
    ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal?.name ?? ANONYMOUS_ACTOR,
);
