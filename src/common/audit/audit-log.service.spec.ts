import { Logger } from '@nestjs/common';
import { AUDIT_ENTRY as entry, FlakyDatabase } from './flaky-database.fixture.js';
import type { AuditHealth } from './audit-log.service.js';
import type { DatabasePool } from '../database/database.pool.js';
import { AuditLog } from './audit-log.service.js';

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
});
