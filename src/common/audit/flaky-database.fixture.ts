/** For specs: a database whose INSERTs fail while `broken` (fault injection), and that counts what it stored. */
export class FlakyDatabase {
  broken = false;
  stored = 0;
  query(): Promise<unknown[]> {
    if (this.broken) return Promise.reject(new Error('permission denied for table audit_log'));
    this.stored++;
    return Promise.resolve([]);
  }
}

/** For specs: one management action as the audit log records it. */
export const AUDIT_ENTRY = {
  actor: 'alice',
  actorKind: 'api_key' as const,
  action: 'alert_rules.update',
  result: 'ok' as const,
};
