import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { WsException } from '@nestjs/websockets';
import type { HttpRequest as Request } from '../http/http-types.js';
import type { Socket } from 'socket.io';
import { AppConfig } from '../../config/app-config.js';
import { type AuditEntry, AuditLog } from '../audit/audit-log.service.js';
import { PUBLIC_ACCESS, REQUIRED_ROLE, type Role, roleSatisfies } from './access.js';
import { actionName } from './action-name.js';
import { AuthFailureLimiter } from './auth-failure.limiter.js';
import { Authenticator, tokenFromHeaders } from './authenticator.service.js';
import { ANONYMOUS, mayAccessUnit, type Principal } from './principal.js';
import { unitIdsOf } from './unit-ids.js';

type AuthRequest = Request & { principal?: Principal };

/**
 * The one gate of every HTTP route and Socket.IO event (registered as APP_GUARD). A handler must carry
 * @RequireRole or @PublicAccess; one with neither is refused (fail closed) and logged as a programming error.
 * Then: credentials (401, no detail), role (403), unit scope (403). Refusals are written to the audit log
 * (authentication failures summed per source and minute), and repeated authentication failures from one address
 * are answered 429 for a while; valid credentials from that address still pass.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly authenticator: Authenticator,
    private readonly audit: AuditLog,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<string | undefined>(PUBLIC_ACCESS, targets) !== undefined;
    const role = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets);
    if (context.getType() === 'ws') return this.canReceive(context, isPublic, role);
    if (context.getType() !== 'http') return false;

    const request = context.switchToHttp().getRequest<AuthRequest>();
    if (isPublic) return true;
    if (role === undefined) {
      this.logger.error(`${actionName(context)} has neither @RequireRole nor @PublicAccess: refused`);
      this.deny(context, request, undefined, 403, 'no access rule on this route');
      throw new ForbiddenException('Access denied');
    }
    if (!this.config.authEnabled) {
      request.principal = ANONYMOUS;
      return true;
    }

    // Credentials first, the address block second: a valid key is never refused because someone else behind the
    // same address (the plant's NAT, an ingress) keeps failing.
    const ip = request.ip ?? 'unknown';
    const principal = await this.authenticator.authenticate(tokenFromHeaders(request.headers));
    if (principal === undefined) {
      this.deny(context, request, undefined, 401, 'missing or invalid credentials');
      if (await this.failures.fail(ip)) {
        throw new HttpException('Too many failed authentications: try again later', HttpStatus.TOO_MANY_REQUESTS);
      }
      throw new UnauthorizedException();
    }
    request.principal = principal;
    if (!roleSatisfies(principal.role, role)) {
      this.deny(context, request, principal, 403, `needs role ${role}, has ${principal.role}`);
      throw new ForbiddenException(`Needs role ${role} or higher`);
    }
    const outside = unitIdsOf(request).find((unit) => !mayAccessUnit(principal, unit));
    if (outside !== undefined) {
      this.deny(context, request, principal, 403, `unit ${outside} outside the caller's scope`);
      throw new ForbiddenException(`Unit '${outside}' is outside the units this credential may access`);
    }
    return true;
  }

  /** Socket.IO events: the handshake middleware has authenticated the socket; here only the role is checked. */
  private canReceive(context: ExecutionContext, isPublic: boolean, role: Role | undefined): boolean {
    if (isPublic) return true;
    if (role === undefined) {
      this.logger.error(`${actionName(context)} has neither @RequireRole nor @PublicAccess: refused`);
      throw new WsException('Access denied');
    }
    if (!this.config.authEnabled) return true;
    const socket = context.switchToWs().getClient<Socket>();
    const principal = (socket.data as { principal?: Principal }).principal;
    if (principal === undefined || !roleSatisfies(principal.role, role)) {
      void this.audit.record({
        actor: principal?.name ?? 'unauthenticated',
        actorKind: principal?.kind ?? 'none',
        actorId: principal?.id,
        role: principal?.role,
        action: actionName(context),
        result: 'denied',
        status: principal === undefined ? 401 : 403,
        ip: socket.handshake.address,
        detail: principal === undefined ? 'unauthenticated socket' : `needs role ${role}`,
      });
      throw new WsException(principal === undefined ? 'Unauthorized' : `Needs role ${role} or higher`);
    }
    return true;
  }

  private deny(
    context: ExecutionContext,
    request: AuthRequest,
    principal: Principal | undefined,
    status: 401 | 403,
    detail: string,
  ): void {
    const entry: AuditEntry = {
      actor: principal?.name ?? 'unauthenticated',
      actorKind: principal?.kind ?? 'none',
      actorId: principal?.id,
      role: principal?.role,
      action: actionName(context),
      method: request.method,
      path: request.originalUrl.split('?')[0],
      target: Object.keys(request.params ?? {}).length > 0 ? { ...request.params } : undefined,
      result: 'denied',
      status,
      ip: request.ip,
      detail,
    };
    if (status === 401) this.audit.recordAuthFailure(entry);
    else void this.audit.record(entry);
  }
}
