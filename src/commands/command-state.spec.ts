import { CommandProgress } from './command-state.js';

describe('CommandProgress', () => {
  it('confirms an ack-rule command on the accepted ack after it was sent', () => {
    const p = new CommandProgress('ack');
    expect(p.apply({ type: 'sent' })).toEqual([{ from: 'pending', to: 'sent' }]);
    expect(p.apply({ type: 'readback' })).toEqual([]);
    expect(p.apply({ type: 'ack', accepted: true })).toEqual([{ from: 'sent', to: 'confirmed' }]);
    expect(p.open).toBe(false);
    expect(p.apply({ type: 'deadline' })).toEqual([]);
  });

  it('needs both the ack and the readback for `both`, in any order', () => {
    const p = new CommandProgress('both');
    p.apply({ type: 'sent' });
    expect(p.apply({ type: 'readback' })).toEqual([]);
    expect(p.wantsReadback).toBe(false);
    expect(p.apply({ type: 'ack', accepted: true })).toEqual([{ from: 'sent', to: 'confirmed' }]);
  });

  it('judges an ack that overtook the broker acknowledgement once the command is sent', () => {
    const accepted = new CommandProgress('ack');
    expect(accepted.apply({ type: 'ack', accepted: true })).toEqual([]);
    expect(accepted.apply({ type: 'sent' })).toEqual([
      { from: 'pending', to: 'sent' },
      { from: 'sent', to: 'confirmed' },
    ]);
    const rejected = new CommandProgress('readback');
    expect(rejected.apply({ type: 'ack', accepted: false, reason: 'interlock' })).toEqual([]);
    expect(rejected.apply({ type: 'sent' })).toEqual([
      { from: 'pending', to: 'sent' },
      { from: 'sent', to: 'rejected', reason: 'interlock' },
    ]);
  });

  it('is rejected by a rejecting device whatever the rule, and stays so', () => {
    const p = new CommandProgress('readback');
    p.apply({ type: 'sent' });
    expect(p.apply({ type: 'ack', accepted: false })).toEqual([
      { from: 'sent', to: 'rejected', reason: 'rejected by the device' },
    ]);
    expect(p.apply({ type: 'readback' })).toEqual([]);
  });

  it('fails when the channel cannot take it, and never goes back to sent (no retry)', () => {
    const p = new CommandProgress('ack');
    expect(p.apply({ type: 'send_failed', reason: 'broker gone' })).toEqual([
      { from: 'pending', to: 'failed', reason: 'broker gone' },
    ]);
    expect(p.apply({ type: 'sent' })).toEqual([]);
  });

  it('times out with what was missing', () => {
    const p = new CommandProgress('both');
    p.apply({ type: 'sent' });
    p.apply({ type: 'ack', accepted: true });
    expect(p.apply({ type: 'deadline' })).toEqual([
      { from: 'sent', to: 'timed_out', reason: 'no reading of the commanded value before the deadline' },
    ]);
    const silent = new CommandProgress('ack');
    silent.apply({ type: 'sent' });
    expect(silent.apply({ type: 'deadline' })[0].reason).toBe('no acknowledgement before the deadline');
  });
});
