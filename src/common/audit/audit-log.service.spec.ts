import { Logger } from '@nestjs/common';
import { AlarmEngine } from '../../alerts/alarm.engine.js';
import type { AlarmChange } from '../../alerts/alarm-lifecycle.js';
import { AUDIT_WRITE_RULE, SYSTEM_UNIT } from '../../alerts/system-alarms.js';
import type { AuditHealth } from './audit-log.service.js';
import type { DatabasePool } from '../database/database.pool.js';
import { AuditLog } from './audit-log.service.js';

/** A database whose INSERTs fail while `broken` (fault injection), and that counts what it stored. */
class FlakyDatabase {
  broken = false;
  stored = 0;
  query(): Promise<unknown[]> {
    if (this.broken) return Promise.reject(new Error('permission denied for table audit_log'));
    this.stored++;
    return Promise.resolve([]);
  }
}

const entry = { actor: 'alice', actorKind: 'api_key' as const, action: 'alert_rules.update', result: 'ok' as const };

describe('AuditLog: a failing audit write', () => {
  let db: FlakyDatabase;
  let audit: AuditLog;
  let health: AuditHealth[];

  beforeEach(() => {
    Logger.overrideLogger(false);
    db = new FlakyDatabase();
    audit = new AuditLog(db as unknown as DatabasePool);
    health = [];
    audit.onHealthChanged((h) => void health.push(h));
  });

  afterEach(async () => {
    await audit.onModuleDestroy();
  });

  it('counts every failure but announces only the changes: failing once, healthy once', async () => {
    await audit.record(entry);
    expect(health).toEqual([]);

    db.broken = true;
    await Promise.all([audit.record(entry), audit.record(entry), audit.record(entry)]);
    expect(audit.snapshot()).toMatchObject({ written: 1, failed: 3 });
    expect(health).toEqual([
      { failing: true, at: expect.any(Number), failures: 1, error: 'permission denied for table audit_log' },
    ]);

    db.broken = false;
    await audit.record(entry);
    await audit.record(entry);
    expect(audit.snapshot()).toMatchObject({ written: 3, failed: 3 });
    expect(health).toHaveLength(2);
    expect(health[1]).toEqual({ failing: false, at: expect.any(Number), failures: 3, error: undefined });
  });

  it('raises one system alarm while writes fail, clears it when one is stored, and it stays until acknowledged', async () => {
    const engine = new AlarmEngine(() => 'a1');
    const changes: AlarmChange[] = [];
    audit.onHealthChanged(({ failing, at, failures }) =>
      engine.systemCondition(AUDIT_WRITE_RULE, failing, { at, value: failures }, changes),
    );

    db.broken = true;
    for (let i = 0; i < 5; i++) await audit.record(entry);
    expect(changes.map((c) => c.transition.action)).toEqual(['raise']);
    expect(engine.openAlarms()).toEqual([
      expect.objectContaining({ unitId: SYSTEM_UNIT, state: 'active_unacknowledged', severity: 'high', value: 1 }),
    ]);

    db.broken = false;
    await audit.record(entry);
    expect(changes.map((c) => c.transition.action)).toEqual(['raise', 'clear']);
    expect(engine.openAlarms()).toEqual([expect.objectContaining({ state: 'cleared_unacknowledged', value: 5 })]);

    expect(engine.acknowledge('a1', { at: Date.now(), actor: 'operator' }).ok).toBe(true);
    expect(engine.openAlarms()).toEqual([]);
  });
});
