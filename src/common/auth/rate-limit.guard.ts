import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Principal } from './principal.js';

/**
 * @nestjs/throttler's guard, for HTTP only (Socket.IO events are bounded by the socket itself), counting per
 * authenticated caller where there is one: a control room behind one NAT address is many callers, not one.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(context.getType() !== 'http');
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = req.principal as Principal | undefined;
    if (principal !== undefined && principal.kind !== 'anonymous')
      return Promise.resolve(`${principal.kind}:${principal.id}`);
    return super.getTracker(req);
  }
}
