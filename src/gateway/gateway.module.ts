import { Module } from '@nestjs/common';
import { LiveFanoutService } from './live-fanout.service.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

@Module({ providers: [UnitRoomGateway, LiveFanoutService], exports: [UnitRoomGateway, LiveFanoutService] })
export class GatewayModule {}
