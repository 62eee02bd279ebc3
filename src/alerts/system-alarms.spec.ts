import { Logger } from '@nestjs/common';
import { AUDIT_ENTRY as entry, FlakyDatabase } from '../common/audit/flaky-database.fixture.js';
import { AuditLog } from '../common/audit/audit-log.service.js';
import type { DatabasePool } from '../common/database/database.pool.js';
import { AlarmEngine } from './alarm.engine.js';
import type { AlarmChange } from './alarm-lifecycle.js';
import { AUDIT_WRITE_RULE, SYSTEM_UNIT } from './system-alarms.js';

describe('AUDIT_WRITE_RULE: the system alarm of failing audit writes', () => {
  let db: FlakyDatabase;
  let audit: AuditLog;

  beforeEach(() => {
    Logger.overrideLogger(false);
    db = new FlakyDatabase();
    audit = new AuditLog(db as unknown as DatabasePool);
  });

  afterEach(async () => {
    await audit.onModuleDestroy();
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
