import { AsyncLocalStorage } from 'node:async_hooks';

/** What a service tells the audit log about the action it is carrying out. */
export interface AuditNote {
  oldValue?: unknown;
  newValue?: unknown;
}

const current = new AsyncLocalStorage<AuditNote>();

/**
 * The audit interceptor opens a note around each management request; a service that knows the state before and
 * after (a rule, a sensor's settings, the broker connection) records it here, so the audit row carries old → new
 * without the service knowing about HTTP or the audit table. Outside a request this does nothing.
 */
export const AuditTrail = {
  run<T>(note: AuditNote, work: () => T): T {
    return current.run(note, work);
  },

  /** Records the state before and after the change being made. */
  change(oldValue: unknown, newValue: unknown): void {
    const note = current.getStore();
    if (note === undefined) return;
    note.oldValue = oldValue;
    note.newValue = newValue;
  },
};

const SECRET_FIELD = /pass(word)?|secret|token|api_?key|authorization|credential/i;
export const REDACTED = '[redacted]';

/** A copy with every secret-looking field replaced, for request bodies written to the audit log. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return REDACTED;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = SECRET_FIELD.test(key) ? REDACTED : redact(v, depth + 1);
    return out;
  }
  return value;
}
