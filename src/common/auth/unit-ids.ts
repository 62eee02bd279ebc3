import type { HttpRequest } from '../http/http-types.js';

/** Unit ids a request names, wherever it names them: path, query or JSON body (`unit_id`). */
export function unitIdsOf(request: Pick<HttpRequest, 'params' | 'query' | 'body'>): string[] {
  const ids: string[] = [];
  const take = (value: unknown): void => {
    if (typeof value === 'string') ids.push(value);
    else if (Array.isArray(value)) for (const v of value) take(v);
  };
  take(request.params?.unit_id);
  take((request.query as Record<string, unknown> | undefined)?.unit_id);
  const body: unknown = request.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body))
    take((body as Record<string, unknown>).unit_id);
  return ids;
}
