import { UNIT_STATUSES, type UnitStatus } from '../common/bus/event-map.js';
import type { RejectReason } from '../common/metrics/pipeline-stats.js';
import { MAX_PAYLOAD_BYTES } from './payload.parser.js';

export interface ParsedUnitStatus {
  status: UnitStatus;
  timestamp?: string | number;
}

export type UnitStatusResult = { ok: true; payload: ParsedUnitStatus } | { ok: false; reason: RejectReason };

function statusOf(raw: unknown): UnitStatus | undefined {
  if (typeof raw !== 'string') return undefined;
  const word = raw.trim().toLowerCase();
  return UNIT_STATUSES.find((s) => s === word);
}

/**
 * Parses a unit status payload: a bare word (`online`, `offline`, `maintenance`, in any case) or a JSON object
 * `{"status": "online", "timestamp": "2024-01-01T12:00:00Z"}`. Pure and total, with the reading parser's rules:
 * the same size cap, only own keys are read (`__proto__` is inert), duplicate keys: the last one wins.
 */
export function parseUnitStatusPayload(bytes: Buffer): UnitStatusResult {
  if (bytes.length === 0) return { ok: false, reason: 'payload_empty' };
  if (bytes.length > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'payload_too_large' };
  const text = bytes.toString('utf8').trim();
  if (text.length === 0) return { ok: false, reason: 'payload_empty' };

  if (text[0] !== '{') {
    if (text[0] === '[' || text[0] === '"') return { ok: false, reason: 'payload_not_object' };
    const status = statusOf(text);
    return status ? { ok: true, payload: { status } } : { ok: false, reason: 'status_unknown' };
  }

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'payload_invalid_json' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, reason: 'payload_not_object' };
  const fields = doc as Record<string, unknown>;
  const raw = Object.hasOwn(fields, 'status') ? fields.status : undefined;
  if (raw === undefined || raw === null) return { ok: false, reason: 'status_missing' };
  const status = statusOf(raw);
  if (!status) return { ok: false, reason: 'status_unknown' };

  const payload: ParsedUnitStatus = { status };
  const timestamp = Object.hasOwn(fields, 'timestamp') ? fields.timestamp : undefined;
  if (timestamp !== undefined && timestamp !== null) {
    if (typeof timestamp !== 'string' && typeof timestamp !== 'number')
      return { ok: false, reason: 'timestamp_invalid' };
    payload.timestamp = timestamp;
  }
  return { ok: true, payload };
}
