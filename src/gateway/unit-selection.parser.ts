import { IDENTIFIER } from '../common/identifier.js';

/** Most unit ids one subscribe_unit / unsubscribe_unit may carry: an HMI overview, not the whole plant at once. */
export const MAX_UNITS_PER_REQUEST = 100;

/** The units a subscribe_unit / unsubscribe_unit names, or why the payload is refused. */
export type UnitSelection = { ok: true; unitIds: string[]; single: boolean } | { ok: false; error: string };

const SHAPE = 'payload must be { unit_id: "U1" } or { unit_ids: ["U1", "U2"] }';
const ID_RULE = 'unit ids are 1-64 letters, digits, _ or -';

/**
 * Validates a unit-selection payload by hand: gateways do not get the global validation pipe, and a client may send
 * anything (numbers, arrays, nested objects, binary attachments). Unknown keys are refused, as the REST pipe
 * refuses them, so a misspelt `unitId` is an error, not a silent no-op.
 */
export function parseUnitSelection(body: unknown): UnitSelection {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: SHAPE };
  const keys = Object.keys(body);
  const extra = keys.filter((k) => k !== 'unit_id' && k !== 'unit_ids');
  if (extra.length > 0) return { ok: false, error: `unknown field(s) ${extra.slice(0, 5).join(', ')}; ${SHAPE}` };
  const record = body as Record<string, unknown>;
  const hasOne = Object.hasOwn(record, 'unit_id');
  const hasList = Object.hasOwn(record, 'unit_ids');
  if (hasOne === hasList) return { ok: false, error: SHAPE };
  if (hasOne) {
    const id = record.unit_id;
    if (typeof id !== 'string' || !IDENTIFIER.test(id)) return { ok: false, error: `unit_id: ${ID_RULE}` };
    return { ok: true, unitIds: [id], single: true };
  }
  const list = record.unit_ids;
  if (!Array.isArray(list) || list.length === 0) return { ok: false, error: 'unit_ids must be a non-empty array' };
  if (list.length > MAX_UNITS_PER_REQUEST) {
    return { ok: false, error: `unit_ids may hold at most ${MAX_UNITS_PER_REQUEST} ids, got ${list.length}` };
  }
  const ids = new Set<string>();
  for (const id of list as unknown[]) {
    if (typeof id !== 'string' || !IDENTIFIER.test(id)) return { ok: false, error: `unit_ids: ${ID_RULE}` };
    ids.add(id);
  }
  return { ok: true, unitIds: [...ids], single: false };
}
