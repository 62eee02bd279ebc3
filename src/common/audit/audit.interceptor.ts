import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from '../http/http-types.js';
import { Observable } from 'rxjs';
import { actionName } from '../auth/action-name.js';
import type { Principal } from '../auth/principal.js';
import { AuditLog } from './audit-log.service.js';
import { type AuditNote, AuditTrail, redact } from './audit-trail.js';

/**
 * Writes every management action (each HTTP request that is not a read) to the audit log once it has an answer:
 * who, what (`<area>.<handler>`, path parameters), from where, the status, and old → new. Services that know the
 * state before and after record it through AuditTrail; otherwise the request body (secrets redacted) is the new
 * value. Refusals by the guard (401/403) never reach this point: the guard records them itself; an object outside
 * the caller's scope (403 from a service, reads included) is recorded here as `denied`.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly audit: AuditLog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    if (request.principal === undefined) return next.handle();
    // Reads are recorded only when refused: an object outside the caller's scope (403 from the service).
    const isRead = ['GET', 'HEAD', 'OPTIONS'].includes(request.method);
    const principal = request.principal;
    const note: AuditNote = {};
    const write = (status: number, error?: unknown): void => {
      const explicit = 'newValue' in note || 'oldValue' in note;
      const body: unknown = request.body;
      const hasBody = typeof body === 'object' && body !== null && Object.keys(body).length > 0;
      void this.audit.record({
        actor: principal.name,
        actorKind: principal.kind,
        actorId: principal.id,
        role: principal.role,
        action: actionName(context),
        method: request.method,
        path: request.originalUrl.split('?')[0],
        target: Object.keys(request.params ?? {}).length > 0 ? { ...request.params } : undefined,
        result: error === undefined ? 'ok' : status === 403 ? 'denied' : 'failed',
        status,
        ip: request.ip,
        oldValue: explicit ? redact(note.oldValue) : undefined,
        newValue: explicit ? redact(note.newValue) : hasBody ? redact(body) : undefined,
        detail: error === undefined ? undefined : errorDetail(error),
      });
    };
    // The handler runs inside the note's async context, so services reached from it can fill the note in.
    return new Observable((subscriber) =>
      AuditTrail.run(note, () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (err: unknown) => {
            const status = err instanceof HttpException ? err.getStatus() : 500;
            if (!isRead || status === 403) write(status, err);
            subscriber.error(err);
          },
          complete: () => {
            if (!isRead) write(context.switchToHttp().getResponse<Response>().statusCode);
            subscriber.complete();
          },
        }),
      ),
    );
  }
}

/** What went wrong, as the client was told (an HTTP error), or only the error's kind (anything else). */
function errorDetail(err: unknown): string {
  if (err instanceof HttpException) {
    const response = err.getResponse();
    const message = typeof response === 'object' ? (response as { message?: unknown }).message : response;
    return Array.isArray(message) ? message.join('; ') : String(message);
  }
  return err instanceof Error ? err.name : 'error';
}
