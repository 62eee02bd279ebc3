/** A command as the simulator reads it from `{prefix}/{unit_id}/{sensor_type}/set` (docs/commands.md). */
export interface SetCommand {
  commandId: string;
  value: number;
  /** Epoch ms after which the unit must ignore the command. */
  expiresAtMs: number;
}

const MAX_COMMAND_BYTES = 2048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses `{"command_id", "value", "issued_at", "expires_at"}`; undefined for anything else (not JSON, too big, no
 * command id, a value that is not a number or boolean, no valid `expires_at`): a unit cannot answer a command it
 * cannot name, and must not act on one it cannot date. Never throws.
 */
export function parseSetCommand(payload: Buffer): SetCommand | undefined {
  if (payload.length > MAX_COMMAND_BYTES) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { command_id: commandId, value, expires_at: expiresAt } = body as Record<string, unknown>;
  if (typeof commandId !== 'string' || !UUID.test(commandId)) return undefined;
  const number = typeof value === 'boolean' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) return undefined;
  const expiresAtMs = typeof expiresAt === 'string' ? Date.parse(expiresAt) : Number.NaN;
  if (!Number.isFinite(expiresAtMs)) return undefined;
  return { commandId, value: number, expiresAtMs };
}
