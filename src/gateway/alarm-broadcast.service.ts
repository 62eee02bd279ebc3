import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import { GatewayCounters } from './gateway-counters.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

/**
 * Sends every alarm transition as `system_alert` to the Socket.IO clients whose credential covers the alarm's unit
 * (whether or not they joined the unit's room): a socket scoped to UNIT001 never hears of UNIT002's alarms. Alarms
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
      this.gateway.emitAlarm(alert.unit_id, 'system_alert', alert);
      this.counters.systemAlertsSent++;
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
