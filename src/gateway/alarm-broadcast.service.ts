import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import { GatewayCounters } from './gateway-counters.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

/**
 * Sends every alarm transition to every Socket.IO client as `system_alert`. One broadcast to all clients already
 * reaches the members of the unit's room; emitting to the room as well would give them each alarm twice. Alarms
 * are never coalesced or dropped for a slow client: they count toward its send buffer, and a client that lets
 * that grow past the slow-client limit is disconnected instead (see ClientDelivery).
 */
@Injectable()
export class AlarmBroadcastService implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly gateway: UnitRoomGateway,
    private readonly counters: GatewayCounters,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.on('alarm.transitioned', AlarmBroadcastService.name, (alert) => {
      this.gateway.emitToAll('system_alert', alert);
      this.counters.systemAlertsSent++;
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
