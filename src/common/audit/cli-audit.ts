import { userInfo } from 'node:os';
import type { CliDatabase } from '../database/cli-database.js';
import type { DatabasePool } from '../database/database.pool.js';
import { AuditLog } from './audit-log.service.js';

/** An audit trail for a management CLI: what is changed on the host is audited like the REST route that does it. */
export interface CliAudit {
  /** `cli:<OS user>`: who ran the command. */
  readonly actor: string;
  record(action: string, oldValue: unknown, newValue: unknown, target: Record<string, unknown>): Promise<void>;
  /** Waits for pending writes; call before the connection closes. */
  close(): Promise<void>;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

/** `command` names the CLI in each row's detail, e.g. `npm run keys`. */
export function cliAudit(db: CliDatabase, command: string): CliAudit {
  const log = new AuditLog(db as unknown as DatabasePool);
  const actor = `cli:${osUser()}`;
  return {
    actor,
    record: (action, oldValue, newValue, target) =>
      log.record({ actor, actorKind: 'none', action, result: 'ok', target, oldValue, newValue, detail: command }),
    close: () => log.onModuleDestroy(),
  };
}
