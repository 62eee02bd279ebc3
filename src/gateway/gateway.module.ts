import { Module } from '@nestjs/common';
import { AlarmBroadcastService } from './alarm-broadcast.service.js';
import { LiveFanoutService } from './live-fanout.service.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

@Module({
  providers: [UnitRoomGateway, LiveFanoutService, AlarmBroadcastService],
  exports: [UnitRoomGateway, LiveFanoutService, AlarmBroadcastService],
})
export class GatewayModule {}
