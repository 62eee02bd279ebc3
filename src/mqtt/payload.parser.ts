import type { RejectReason } from '../common/metrics/pipeline-stats.js';

/** A reading payload is a few dozen bytes; anything near this is not a reading. */
export const MAX_PAYLOAD_BYTES = 4096;

/** A plain decimal number: no NaN, Infinity, hex, or surrounding words. */
const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export interface ParsedPayload {
  value: number;
  quality?: string | number;
  timestamp?: string | number;
}

export type PayloadResult = { ok: true; payload: ParsedPayload } | { ok: false; reason: RejectReason };

function parseNumber(raw: unknown): { ok: true; value: number } | { ok: false; reason: RejectReason } {
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && NUMBER_TEXT.test(raw.trim())) value = Number(raw.trim());
  else return { ok: false, reason: raw === undefined || raw === null ? 'value_missing' : 'value_not_number' };
  return Number.isFinite(value) ? { ok: true, value } : { ok: false, reason: 'value_not_finite' };
}

/**
 * Parses a reading payload: a bare number (`25.5`) or a JSON object `{"value": 25.5, "quality": "GOOD",
 * "timestamp": "2024-01-01T12:00:00Z"}`. Pure and total: every input yields a payload or a reason.
 * JSON.parse never assigns through `__proto__` (it creates an own property), and only the three known keys
 * are read, so hostile keys cannot pollute prototypes. With duplicate keys the last one wins (JSON.parse's rule).
 */
export function parsePayload(bytes: Buffer): PayloadResult {
  if (bytes.length === 0) return { ok: false, reason: 'payload_empty' };
  if (bytes.length > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'payload_too_large' };
  const text = bytes.toString('utf8').trim();
  if (text.length === 0) return { ok: false, reason: 'payload_empty' };

  if (text[0] !== '{') {
    if (text[0] === '[' || text[0] === '"') return { ok: false, reason: 'payload_not_object' };
    const n = parseNumber(text);
    return n.ok ? { ok: true, payload: { value: n.value } } : { ok: false, reason: n.reason };
  }

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'payload_invalid_json' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, reason: 'payload_not_object' };
  const fields = doc as Record<string, unknown>;
  const n = parseNumber(Object.hasOwn(fields, 'value') ? fields.value : undefined);
  if (!n.ok) return { ok: false, reason: n.reason };

  const payload: ParsedPayload = { value: n.value };
  const quality = Object.hasOwn(fields, 'quality') ? fields.quality : undefined;
  if (quality !== undefined && quality !== null) {
    if (typeof quality !== 'string' && typeof quality !== 'number') return { ok: false, reason: 'quality_invalid' };
    payload.quality = quality;
  }
  const timestamp = Object.hasOwn(fields, 'timestamp') ? fields.timestamp : undefined;
  if (timestamp !== undefined && timestamp !== null) {
    if (typeof timestamp !== 'string' && typeof timestamp !== 'number')
      return { ok: false, reason: 'timestamp_invalid' };
    payload.timestamp = timestamp;
  }
  return { ok: true, payload };
}
