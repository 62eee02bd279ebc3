/** A variant's value in JSON terms: dates as ISO text, typed arrays as arrays, structures as their text form. */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>).slice(0, 1000);
  }
  if (Array.isArray(value)) return value.slice(0, 1000).map(jsonValue);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  // Structures (extension objects, localized text, node ids) print themselves readably.
  return (value as { toString(): string }).toString();
}
