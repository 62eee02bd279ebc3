import type { RejectReason } from '../pipeline/pipeline-stats.js';
import { field, openPayload, timestampField } from './payload-envelope.js';

export { MAX_PAYLOAD_BYTES } from './payload-envelope.js';

/** A plain decimal number: no NaN, Infinity, hex, or surrounding words. */
const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export interface ParsedPayload {
  value: number;
  quality?: string | number;
  timestamp?: string | number;
}

export type PayloadResult = { ok: true; payload: ParsedPayload } | { ok: false; reason: RejectReason };

/**
 * A reading's value: a number, a numeric string, or a boolean (a digital point: true is stored as 1, false as 0).
 * Only JSON's own literals count as booleans: `{"value": "true"}`, "ON" or "yes" are not numbers.
 */
function parseNumber(raw: unknown): { ok: true; value: number } | { ok: false; reason: RejectReason } {
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'boolean') value = raw ? 1 : 0;
  else if (typeof raw === 'string' && NUMBER_TEXT.test(raw.trim())) value = Number(raw.trim());
  else return { ok: false, reason: raw === undefined || raw === null ? 'value_missing' : 'value_not_number' };
  return Number.isFinite(value) ? { ok: true, value } : { ok: false, reason: 'value_not_finite' };
}

/**
 * Parses a reading payload: a bare number (`25.5`) or boolean (`true`), or a JSON object `{"value": 25.5,
 * "quality": "GOOD", "timestamp": "2024-01-01T12:00:00Z"}` whose value may be a boolean too (`{"value": false}`). Pure and total: every input yields a payload or a reason. Only the three
 * known keys are read (see openPayload for the safety rules).
 */
export function parsePayload(bytes: Buffer): PayloadResult {
  const envelope = openPayload(bytes);
  if (!envelope.ok) return envelope;
  if (envelope.kind === 'bare') {
    // The bare JSON literals, lower case as JSON writes them (`TRUE` or `on` stay value_not_number).
    const text = envelope.text;
    const n = parseNumber(text === 'true' ? true : text === 'false' ? false : text);
    return n.ok ? { ok: true, payload: { value: n.value } } : { ok: false, reason: n.reason };
  }
  const { fields } = envelope;
  const n = parseNumber(field(fields, 'value'));
  if (!n.ok) return { ok: false, reason: n.reason };

  const payload: ParsedPayload = { value: n.value };
  const quality = field(fields, 'quality');
  if (quality !== undefined) {
    if (typeof quality !== 'string' && typeof quality !== 'number') return { ok: false, reason: 'quality_invalid' };
    payload.quality = quality;
  }
  const time = timestampField(fields);
  if (!time.ok) return time;
  if (time.timestamp !== undefined) payload.timestamp = time.timestamp;
  return { ok: true, payload };
}
