import { refusalOf } from './write-refusal.js';

/** Errors shaped as pg's DatabaseError carries them. */
const pgError = (code: string, message: string, constraint?: string): Error =>
  Object.assign(new Error(message), { code, ...(constraint === undefined ? {} : { constraint }) });

describe('refusalOf', () => {
  it('names a refusal that never heals: SQLSTATE class 22 or 23, with its constraint', () => {
    expect(refusalOf(pgError('23514', 'new row violates check constraint "plausible"', 'plausible'))).toEqual({
      sqlstate: '23514',
      reason: 'check_violation',
      constraint: 'plausible',
      message: 'new row violates check constraint "plausible"',
    });
    expect(refusalOf(pgError('23503', 'violates foreign key', 'fk_sensor'))?.reason).toBe('foreign_key_violation');
    expect(refusalOf(pgError('22012', 'division by zero'))).toMatchObject({
      reason: 'data_exception',
      constraint: null,
    });
    expect(refusalOf(pgError('23000', 'integrity'))?.reason).toBe('integrity_constraint_violation');
    expect(refusalOf(pgError('23514', 'x'.repeat(5000)))?.message).toHaveLength(1000);
  });

  it('leaves transient failures to the retry: lost connections, deadlocks, timeouts, anything without a code', () => {
    for (const err of [
      pgError('08006', 'connection failure'),
      pgError('40P01', 'deadlock detected'),
      pgError('57014', 'canceling statement due to statement timeout'),
      pgError('53100', 'disk full'),
      new Error('Connection terminated unexpectedly'),
      'not an error',
      null,
    ]) {
      expect(refusalOf(err)).toBeUndefined();
    }
  });
});
