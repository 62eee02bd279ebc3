import { createHash } from 'node:crypto';
import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { PUBLIC_ACCESS } from './access.js';
import { tokenFromHeaders } from './authenticator.service.js';
import type { Principal } from './principal.js';

/**
 * @nestjs/throttler's guard, for HTTP only (Socket.IO events are bounded by the socket itself), counting per
 * caller: a control room behind one NAT address is many callers, not one. Public routes are not limited: a
 * throttled liveness probe would get a healthy pod restarted. Failed authentications have their own, stricter
 * limit per address (AuthGuard).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return Promise.resolve(true);
    const isPublic =
      this.reflector.getAllAndOverride<string | undefined>(PUBLIC_ACCESS, [
        context.getHandler(),
        context.getClass(),
      ]) !== undefined;
    return Promise.resolve(isPublic);
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = req.principal as Principal | undefined;
    if (principal !== undefined && principal.kind !== 'anonymous') {
      return Promise.resolve(`${principal.kind}:${principal.id}`);
    }
    // Whatever order the global guards run in, a caller with a credential is counted by it, not by its address.
    const token = tokenFromHeaders(req.headers as Record<string, string | string[] | undefined>);
    if (token !== undefined) return Promise.resolve(`token:${createHash('sha256').update(token).digest('hex')}`);
    return super.getTracker(req);
  }
}
