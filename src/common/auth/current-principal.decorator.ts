import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ANONYMOUS, type AuthenticatedRequest, type Principal } from './principal.js';

/** The authenticated caller of the request (set by AuthGuard; anonymous only with AUTH_ENABLED=false). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal ?? ANONYMOUS,
);
