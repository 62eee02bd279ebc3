/** Why the database refused a write for good: what a dead letter records. */
export interface WriteRefusal {
  /** PostgreSQL's SQLSTATE, e.g. 23514. */
  sqlstate: string;
  /** The SQLSTATE's condition name (a small, fixed set: the `reason` label in /metrics). */
  reason: string;
  /** The constraint that refused the row, when the database names one. */
  constraint: string | null;
  /** The database's message (at most MAX_MESSAGE characters). */
  message: string;
}

/** Condition names of the SQLSTATEs a reading write can meet (PostgreSQL appendix A); others get their class. */
const CONDITIONS: Record<string, string> = {
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22P02': 'invalid_text_representation',
  '23502': 'not_null_violation',
  '23503': 'foreign_key_violation',
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '23P01': 'exclusion_violation',
};

export const FOREIGN_KEY_VIOLATION = '23503';

const MAX_MESSAGE = 1000;

/**
 * The refusal in a write error when it is one that never heals: SQLSTATE class 22 (data exception) or 23
 * (integrity constraint violation). Anything else (connection lost, timeout, deadlock, disk full) is transient and
 * gives undefined: the write is retried. Pure: reads the fields pg puts on its errors.
 */
export function refusalOf(err: unknown): WriteRefusal | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, constraint, message } = err as { code?: unknown; constraint?: unknown; message?: unknown };
  if (typeof code !== 'string' || !/^2[23][0-9A-Z]{3}$/.test(code)) return undefined;
  return {
    sqlstate: code,
    reason: CONDITIONS[code] ?? (code.startsWith('22') ? 'data_exception' : 'integrity_constraint_violation'),
    constraint: typeof constraint === 'string' && constraint !== '' ? constraint.slice(0, 128) : null,
    message: (typeof message === 'string' ? message : code).slice(0, MAX_MESSAGE),
  };
}
