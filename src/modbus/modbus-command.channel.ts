import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type CommandChannel,
  CommandChannels,
  type OutgoingCommand,
  type SendResult,
} from '../commands/command-channel.js';
import { ModbusDevicesService } from './modbus-devices.service.js';

/**
 * Commands to writable Modbus points (coils: FC 5; holding registers: FC 6 or FC 16), sent once in turn with the
 * device's polls. The device's answer to the write is not the confirmation: a command is confirmed by the value
 * the next poll reads back (the point's command settings say `confirmation: readback`). A Modbus exception is the
 * device refusing (`rejected`, by name); anything else (down, timeout) is `failed`.
 */
@Injectable()
export class ModbusCommandChannel implements CommandChannel, OnModuleInit {
  readonly kind = 'modbus' as const;

  constructor(
    private readonly channels: CommandChannels,
    private readonly devices: ModbusDevicesService,
  ) {}

  onModuleInit(): void {
    this.channels.register(this);
  }

  /** Each command finds its own device: whether that one is reachable is the write's answer. */
  unavailable(): string | undefined {
    return undefined;
  }

  async send(command: OutgoingCommand): Promise<SendResult> {
    const outcome = await this.devices.write(command.unitId, command.sensorType, command.value);
    if (outcome.ok) return { outcome: 'sent' };
    return outcome.exception
      ? { outcome: 'rejected', reason: outcome.reason }
      : { outcome: 'failed', reason: outcome.reason };
  }
}
