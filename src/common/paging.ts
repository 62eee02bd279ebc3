/**
 * Paging and time-range conventions shared by the history endpoints (telemetry history, alarm history):
 * `from` inclusive, `to` exclusive, `limit` per page, and an opaque `cursor` = the previous page's `next_cursor`,
 * which carries the keyset of the last item sent (never an offset, so pages stay stable while rows arrive).
 */

/** A cursor: a tag naming the endpoint and version, then the keyset values, base64url. */
export function encodeCursor(tag: string, keys: readonly (string | number)[]): string {
  return Buffer.from([tag, ...keys].join('|')).toString('base64url');
}

/** The keyset values of a cursor with this tag and this many values; undefined when it is not one of ours. */
export function decodeCursor(tag: string, cursor: string, count: number): string[] | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const parts = Buffer.from(cursor, 'base64url').toString().split('|');
  if (parts.length !== count + 1 || parts[0] !== tag) return undefined;
  return parts.slice(1);
}

/** The refusal every history endpoint gives a cursor it did not issue. */
export const FOREIGN_CURSOR = 'cursor is not one this API gave out; start again without it';

/** Checks an optional from/to pair (ISO 8601, already shape-checked); a string is the 400 message. */
export function checkTimeRange(
  from: string | undefined,
  to: string | undefined,
): { fromMs?: number; toMs?: number } | string {
  const fromMs = from === undefined ? undefined : Date.parse(from);
  const toMs = to === undefined ? undefined : Date.parse(to);
  if (fromMs !== undefined && Number.isNaN(fromMs)) return `from must be an ISO 8601 time, got '${from}'`;
  if (toMs !== undefined && Number.isNaN(toMs)) return `to must be an ISO 8601 time, got '${to}'`;
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
    return `from must be before to (from=${from}, to=${to})`;
  }
  return { fromMs, toMs };
}
