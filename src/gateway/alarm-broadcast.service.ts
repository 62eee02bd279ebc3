import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

/**
 * Sends every alarm transition to every Socket.IO client as `system_alert`. One broadcast to all clients already
 * reaches the members of the unit's room; emitting to the room as well would give them each alarm twice.
 */
@Injectable()
export class AlarmBroadcastService implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: (() => void) | undefined;
  eventsSent = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly gateway: UnitRoomGateway,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.on('alarm.transitioned', AlarmBroadcastService.name, (alert) => {
      this.gateway.emitToAll('system_alert', alert);
      this.eventsSent++;
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
