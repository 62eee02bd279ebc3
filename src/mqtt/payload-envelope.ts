import type { RejectReason } from '../pipeline/pipeline-stats.js';

/** A reading or status payload is a few dozen bytes; anything near this is neither. */
export const MAX_PAYLOAD_BYTES = 4096;

/**
 * What every payload on our topics is, before its own fields are read: a bare word or number, or a JSON object.
 * JSON.parse never assigns through `__proto__` (it creates an own property) and callers read only own keys
 * (`field`), so hostile keys cannot pollute prototypes. With duplicate keys the last one wins (JSON.parse's rule).
 */
export type PayloadEnvelope =
  | { ok: true; kind: 'bare'; text: string }
  | { ok: true; kind: 'object'; fields: Record<string, unknown> }
  | { ok: false; reason: RejectReason };

export function openPayload(bytes: Buffer): PayloadEnvelope {
  if (bytes.length === 0) return { ok: false, reason: 'payload_empty' };
  if (bytes.length > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'payload_too_large' };
  const text = bytes.toString('utf8').trim();
  if (text.length === 0) return { ok: false, reason: 'payload_empty' };
  if (text[0] === '[' || text[0] === '"') return { ok: false, reason: 'payload_not_object' };
  if (text[0] !== '{') return { ok: true, kind: 'bare', text };

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'payload_invalid_json' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, reason: 'payload_not_object' };
  return { ok: true, kind: 'object', fields: doc as Record<string, unknown> };
}

/** An own field of a payload object; null counts as absent. */
export function field(fields: Record<string, unknown>, name: string): unknown {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  return value === null ? undefined : value;
}

/** The optional `timestamp` field: text or a number, judged later by the processor's time rules. */
export function timestampField(
  fields: Record<string, unknown>,
): { ok: true; timestamp?: string | number } | { ok: false; reason: RejectReason } {
  const timestamp = field(fields, 'timestamp');
  if (timestamp === undefined) return { ok: true };
  if (typeof timestamp !== 'string' && typeof timestamp !== 'number') return { ok: false, reason: 'timestamp_invalid' };
  return { ok: true, timestamp };
}
