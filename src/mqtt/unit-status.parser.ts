import { UNIT_STATUSES, type UnitStatus } from '../common/bus/event-map.js';
import type { RejectReason } from '../pipeline/pipeline-stats.js';
import { field, openPayload, timestampField } from './payload-envelope.js';

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
  const envelope = openPayload(bytes);
  if (!envelope.ok) return envelope;
  if (envelope.kind === 'bare') {
    const status = statusOf(envelope.text);
    return status ? { ok: true, payload: { status } } : { ok: false, reason: 'status_unknown' };
  }
  const raw = field(envelope.fields, 'status');
  if (raw === undefined) return { ok: false, reason: 'status_missing' };
  const status = statusOf(raw);
  if (!status) return { ok: false, reason: 'status_unknown' };

  const payload: ParsedUnitStatus = { status };
  const time = timestampField(envelope.fields);
  if (!time.ok) return time;
  if (time.timestamp !== undefined) payload.timestamp = time.timestamp;
  return { ok: true, payload };
}
