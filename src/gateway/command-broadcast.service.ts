import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import type {} from '../commands/commands.events.js';
import { unitRoom } from './room.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

/**
 * Sends every command state change as `command_status` to the unit's room: the HMIs watching the unit see the
 * command they (or a colleague) issued go from pending to its outcome. Rare (a few events per command).
 */
@Injectable()
export class CommandBroadcastService implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly gateway: UnitRoomGateway,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.on('command.status_changed', CommandBroadcastService.name, (status) => {
      this.gateway.emitToRoom(unitRoom(status.unit_id), 'command_status', status);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
