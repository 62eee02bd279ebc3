import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import type { HttpRequest } from '../http/http-types.js';
import type { Principal } from './principal.js';

const LIST_FIELDS = ['items', 'units'] as const;

function inScope(item: unknown, units: readonly string[]): boolean {
  if (typeof item !== 'object' || item === null) return true;
  const unitId = (item as { unit_id?: unknown }).unit_id;
  return typeof unitId !== 'string' || units.includes(unitId);
}

/**
 * For a caller limited to some units, drops other units' entries from list answers: a top-level array of objects
 * with `unit_id` (units, open alarms), or such an array under `items` or `units` (alarm history pages, latest
 * values). Requests that name a unit are checked by AuthGuard instead (403). A filtered page keeps the `total`
 * of the unfiltered query, so a scoped caller learns how many entries exist, not what they hold.
 */
@Injectable()
export class UnitScopeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const units = context.switchToHttp().getRequest<HttpRequest & { principal?: Principal }>().principal?.units;
    if (units === undefined) return next.handle();
    return next.handle().pipe(
      map((body: unknown) => {
        if (Array.isArray(body)) return (body as unknown[]).filter((item) => inScope(item, units));
        if (typeof body !== 'object' || body === null) return body;
        let out = body as Record<string, unknown>;
        for (const field of LIST_FIELDS) {
          const list = out[field];
          if (Array.isArray(list)) out = { ...out, [field]: list.filter((item) => inScope(item, units)) };
        }
        return out;
      }),
    );
  }
}
