import type { ConfirmationRule } from './command-settings.js';

/**
 * The lifecycle of one command:
 *
 *     pending ──sent──► sent ──(ack and/or readback, per the rule)──► confirmed
 *        │                ├──device rejected──► rejected
 *        │                └──deadline passed──► timed_out
 *        └──channel failed──► failed            (a command is never sent again: no retry from here)
 *
 * The device may answer before the channel reports the command sent (an ack overtaking the broker's PUBACK), so
 * what arrives while pending is remembered and judged once it is sent. Pure: the service feeds it events and stores
 * the transitions it answers.
 */
export const COMMAND_STATES = ['pending', 'sent', 'confirmed', 'rejected', 'failed', 'timed_out'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];
export const OPEN_STATES: readonly CommandState[] = ['pending', 'sent'];
export const OUTCOMES = ['confirmed', 'rejected', 'failed', 'timed_out'] as const;
export type CommandOutcome = (typeof OUTCOMES)[number];

export type CommandEvent =
  | { type: 'sent' }
  | { type: 'send_failed'; reason: string }
  | { type: 'ack'; accepted: boolean; reason?: string }
  | { type: 'readback' }
  | { type: 'deadline' };

/** A state change the service stores, broadcasts and audits. */
export interface Transition {
  from: CommandState;
  to: CommandState;
  reason?: string;
}

export class CommandProgress {
  private current: CommandState = 'pending';
  private acked = false;
  private readBack = false;
  /** A rejection that arrived before the command was reported sent. */
  private earlyRejection: string | undefined;

  constructor(readonly rule: ConfirmationRule) {}

  get state(): CommandState {
    return this.current;
  }

  get open(): boolean {
    return OPEN_STATES.includes(this.current);
  }

  /** Whether a reading of the point could still confirm it (the service watches readbacks only then). */
  get wantsReadback(): boolean {
    return this.open && this.rule !== 'ack' && !this.readBack;
  }

  /** Applies an event; answers the transitions it causes (none, one, or two: sent then its outcome). */
  apply(event: CommandEvent): Transition[] {
    if (!this.open) return [];
    switch (event.type) {
      case 'sent': {
        if (this.current !== 'pending') return [];
        const out = [this.move('sent')];
        if (this.earlyRejection !== undefined) out.push(this.move('rejected', this.earlyRejection));
        else if (this.satisfied()) out.push(this.move('confirmed'));
        return out;
      }
      case 'send_failed':
        return this.current === 'pending' ? [this.move('failed', event.reason)] : [];
      case 'ack':
        if (!event.accepted) {
          const reason = event.reason ?? 'rejected by the device';
          if (this.current === 'pending') {
            this.earlyRejection = reason;
            return [];
          }
          return [this.move('rejected', reason)];
        }
        this.acked = true;
        return this.current === 'sent' && this.satisfied() ? [this.move('confirmed')] : [];
      case 'readback':
        this.readBack = true;
        return this.current === 'sent' && this.satisfied() ? [this.move('confirmed')] : [];
      case 'deadline':
        return [this.move('timed_out', this.missing())];
    }
  }

  private satisfied(): boolean {
    switch (this.rule) {
      case 'ack':
        return this.acked;
      case 'readback':
        return this.readBack;
      case 'both':
        return this.acked && this.readBack;
    }
  }

  /** What the deadline found missing, for the reason of a timeout. */
  private missing(): string {
    if (this.current === 'pending') return 'the channel did not take the command before its deadline';
    const lacking = [
      this.rule !== 'readback' && !this.acked ? 'no acknowledgement' : undefined,
      this.rule !== 'ack' && !this.readBack ? 'no reading of the commanded value' : undefined,
    ].filter((s) => s !== undefined);
    return `${lacking.join(' and ')} before the deadline`;
  }

  private move(to: CommandState, reason?: string): Transition {
    const from = this.current;
    this.current = to;
    return reason === undefined ? { from, to } : { from, to, reason };
  }
}
