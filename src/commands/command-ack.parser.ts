/** What a device answers on `{prefix}/{unit_id}/{sensor_type}/set/ack`. */
export interface CommandAck {
  commandId: string;
  accepted: boolean;
  reason?: string;
}

/** Why an ack was not taken: counted in /metrics (`scada_commands_mqtt_acks_refused_total{reason}`). */
export const ACK_REFUSALS = ['malformed', 'unknown_command', 'topic_mismatch'] as const;
export type AckRefusal = (typeof ACK_REFUSALS)[number];

export const MAX_ACK_BYTES = 2048;
const MAX_REASON = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses `{"command_id": "<uuid>", "status": "accepted" | "rejected", "reason"?: "..."}`. Anything else (not JSON,
 * too big, another shape) is `malformed`; never throws, whatever a device sends.
 */
export function parseCommandAck(payload: Buffer): { ok: true; ack: CommandAck } | { ok: false; reason: AckRefusal } {
  if (payload.length > MAX_ACK_BYTES) return { ok: false, reason: 'malformed' };
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: 'malformed' };
  const { command_id: commandId, status, reason } = body as Record<string, unknown>;
  if (typeof commandId !== 'string' || !UUID.test(commandId)) return { ok: false, reason: 'malformed' };
  if (status !== 'accepted' && status !== 'rejected') return { ok: false, reason: 'malformed' };
  if (reason !== undefined && reason !== null && typeof reason !== 'string') return { ok: false, reason: 'malformed' };
  const ack: CommandAck = { commandId: commandId.toLowerCase(), accepted: status === 'accepted' };
  if (typeof reason === 'string' && reason !== '') ack.reason = sanitize(reason);
  return { ok: true, ack };
}

/** A device's reason as it may be stored and shown: no control characters, bounded. */
function sanitize(reason: string): string {
  return reason.replace(/\p{C}/gu, ' ').slice(0, MAX_REASON);
}
