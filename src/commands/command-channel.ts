import { Injectable } from '@nestjs/common';
import type { ChannelKind } from './command-settings.js';

/** A command as a channel sends it. */
export interface OutgoingCommand {
  id: string;
  unitId: string;
  sensorType: string;
  /** The engineering value (1/0 for digital, the state value for enum). */
  value: number;
  issuedAt: Date;
  /** A device must ignore the command after this. */
  expiresAt: Date;
}

/**
 * What the channel knew when `send` returned: `sent` (handed over; the outcome comes later through
 * CommandOutcomes), or an immediate answer of a channel whose write returns the device's verdict (an OPC UA write's
 * status code: `accepted` counts as the acknowledgement, `rejected` carries the status name).
 */
export type SendResult =
  | { outcome: 'sent' }
  | { outcome: 'accepted' }
  | { outcome: 'rejected'; reason: string }
  | { outcome: 'failed'; reason: string };

/**
 * One way commands reach devices (MQTT, OPC UA write, Sparkplug NCMD/DCMD, Modbus write), registered with
 * CommandChannels under its kind by its own provider, so the command service never names a protocol. `send` is
 * called once per command and must not retry by itself: a command that left is never sent again.
 */
export interface CommandChannel {
  readonly kind: ChannelKind;
  /** Why commands cannot go out now (`not connected to the MQTT broker`), or undefined when they can. */
  unavailable(): string | undefined;
  /**
   * Why this channel cannot command the point at all (`no OPC UA mapping feeds UNIT001/setpoint`), or undefined;
   * asked when an engineer names the channel and again before each command. Channels that reach any point omit it.
   */
  pointProblem?(unitId: string, sensorType: string): string | undefined;
  /**
   * Why this value cannot be sent to the point although it is within the point's limits (`300 does not fit UInt8`),
   * or undefined; asked before a select and before a command is stored, so nothing is sent (400). Channels that only
   * learn it from the device omit it and fail the command in `send` instead.
   */
  valueProblem?(unitId: string, sensorType: string, value: number): string | undefined;
  send(command: OutgoingCommand): Promise<SendResult>;
}

/** Where a channel reports what devices answer later (an MQTT ack); implemented by the command service. */
export interface CommandOutcomes {
  /** A device's acknowledgement from the topic of `unitId`/`sensorType`; answers false when no such command waits. */
  acknowledged(
    commandId: string,
    unitId: string,
    sensorType: string,
    accepted: boolean,
    reason?: string,
  ): 'taken' | 'unknown_command' | 'topic_mismatch';
}

/** The command channels by kind, and the one place outcomes are reported to. */
@Injectable()
export class CommandChannels {
  private readonly channels = new Map<ChannelKind, CommandChannel>();
  private sink: CommandOutcomes | undefined;

  register(channel: CommandChannel): void {
    if (this.channels.has(channel.kind)) throw new Error(`A '${channel.kind}' command channel is registered already`);
    this.channels.set(channel.kind, channel);
  }

  get(kind: ChannelKind): CommandChannel | undefined {
    return this.channels.get(kind);
  }

  kinds(): ChannelKind[] {
    return [...this.channels.keys()];
  }

  /** Set once by the command service. */
  reportTo(sink: CommandOutcomes): void {
    this.sink = sink;
  }

  get outcomes(): CommandOutcomes | undefined {
    return this.sink;
  }
}
