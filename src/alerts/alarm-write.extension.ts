import type { AlarmChange } from './alarm-lifecycle.js';

/**
 * A statement another module adds to the alarm writer's one statement, so that what it records commits in the same
 * transaction as the alarm transitions (the notification outbox). One statement, not BEGIN … COMMIT: the embedded
 * database runs every connection in one session, where a multi-statement transaction would take in other
 * connections' statements. The writer runs it as a data-modifying CTE; it sees the database as it was before the
 * statement (not the alarms being written), so it must take what it needs from its own parameters. It must not
 * fail on a constraint (use ON CONFLICT, no foreign keys to rows that may vanish): a refusal drops the transitions.
 */
export interface AlarmWriteExtension {
  /** Names the extension in errors and in the CTE (letters and _ only). */
  readonly name: string;
  /** How many parameters the statement takes. */
  readonly paramCount: number;
  /** The statement (INSERT/UPDATE … without a trailing semicolon), its parameters numbered from `$first`. */
  statement(first: number): string;
  /** The parameters for the statement, `paramCount` of them, for this write's transitions. */
  params(changes: readonly AlarmChange[]): unknown[];
}
