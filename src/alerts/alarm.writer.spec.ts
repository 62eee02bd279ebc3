import { Logger } from '@nestjs/common';
import type { DatabasePool } from '../common/database/database.pool.js';
import { type AlarmChange, type RaiseInput, acknowledgeAlarm, clearAlarm, raiseAlarm } from './alarm-lifecycle.js';
import { AlarmWriter } from './alarm.writer.js';

const T0 = 1_764_000_000_000;

function change(result: ReturnType<typeof raiseAlarm>): AlarmChange {
  if (!result.ok) throw new Error(result.error.message);
  return { alarm: result.alarm, transition: result.transition };
}

function raise(id: string, at: number): AlarmChange {
  const input: RaiseInput = {
    id,
    ruleId: 'r1',
    unitId: 'UNIT001',
    sensorType: 'temperature',
    severity: 'critical',
    message: 'hot',
    value: 90,
    threshold: 85,
    at,
  };
  return change(raiseAlarm(null, input));
}

interface Statement {
  text: string;
  extra: unknown[];
  alarms: { id: string; state: string; ord: number; raised_at: number }[];
  events: { alarm_id: string; action: string; ord: number }[];
}

/**
 * The database, faked only to hold a write in flight and to inject failures (fault injection is what a real
 * database cannot do on cue); the statement itself is exercised end to end in test/e2e/alarms.e2e-spec.ts.
 */
class FakeDb {
  statements: Statement[] = [];
  failures: Error[] = [];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async execute(text: string, params: string[]): Promise<number> {
    await this.gate;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    this.statements.push({
      text,
      extra: params.slice(2),
      alarms: JSON.parse(params[0]) as Statement['alarms'],
      events: JSON.parse(params[1]) as Statement['events'],
    });
    return 1;
  }
}

describe('AlarmWriter', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  let db: FakeDb;
  let writer: AlarmWriter;
  beforeEach(() => {
    db = new FakeDb();
    writer = new AlarmWriter(db as unknown as DatabasePool);
  });

  it('sends what arrives during a write as one statement: each alarm once, closing ones first', async () => {
    db.hold();
    const raised = raise('a1', T0);
    const first = writer.write([raised]);
    const acked = change(acknowledgeAlarm(raised.alarm, { at: T0 + 1, actor: 'op' }));
    const cleared = change(clearAlarm(acked.alarm, { at: T0 + 2, value: 80 }));
    const second = writer.write([acked]);
    const third = writer.write([cleared, raise('a2', T0 + 3)]);
    expect(writer.pending).toBe(4);
    db.release();
    expect(await Promise.all([first, second, third])).toEqual([true, true, true]);

    expect(db.statements).toHaveLength(2);
    const [, next] = db.statements;
    expect(next.alarms.map((a) => [a.ord, a.id, a.state])).toEqual([
      [0, 'a1', 'cleared'],
      [1, 'a2', 'active_unacknowledged'],
    ]);
    expect(next.events.map((e) => [e.ord, e.alarm_id, e.action])).toEqual([
      [0, 'a1', 'acknowledge'],
      [1, 'a1', 'clear'],
      [2, 'a2', 'raise'],
    ]);
    expect(next.alarms[1].raised_at).toBe((T0 + 3) * 1000);
    expect(writer.pending).toBe(0);
  });

  it('retries a failed write until it is stored', async () => {
    db.failures.push(new Error('connection terminated'));
    expect(await writer.write([raise('a1', T0)])).toBe(true);
    expect(db.statements).toHaveLength(1);
    expect(writer.writeErrors).toBe(1);
    expect(writer.lastError).toBeUndefined();
  });

  it('drops and counts what the database refuses on principle, instead of retrying forever', async () => {
    db.failures.push(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }));
    expect(await writer.write([raise('a1', T0)])).toBe(false);
    expect(writer.refused).toBe(1);
    expect(await writer.write([raise('a2', T0)])).toBe(true);
    expect(db.statements.map((s) => s.alarms[0].id)).toEqual(['a2']);
  });

  it('runs extensions in the same statement, their parameters numbered after its own and built from the changes', async () => {
    writer.extend({ name: 'first', paramCount: 1, statement: (n) => `SELECT $${n}`, params: (c) => [c.length] });
    writer.extend({
      name: 'second',
      paramCount: 2,
      statement: (n) => `SELECT $${n}, $${n + 1}`,
      params: (c) => [c[0].alarm.id, 'x'],
    });
    await writer.write([raise('a1', T0), raise('a2', T0)]);
    const [statement] = db.statements;
    expect(statement.text).toContain(', ext_first AS (SELECT $3)');
    expect(statement.text).toContain(', ext_second AS (SELECT $4, $5)');
    expect(statement.extra).toEqual([2, 'a1', 'x']);
    expect(() => writer.extend({ name: 'bad;name', paramCount: 0, statement: () => '', params: () => [] })).toThrow();
  });
});
