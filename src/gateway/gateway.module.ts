import { Module, type OnModuleInit } from '@nestjs/common';
import { ClusterTransport } from '../common/cluster/cluster-transport.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { ProcessorModule } from '../processor/processor.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { AlarmBroadcastService } from './alarm-broadcast.service.js';
import { CommandBroadcastService } from './command-broadcast.service.js';
import { ClientDelivery } from './client-delivery.service.js';
import { ClusterLink } from './cluster-link.service.js';
import { GatewayCounters } from './gateway-counters.js';
import { GatewayStatus } from './gateway-status.service.js';
import { gatewayHealthIndicator } from './gateway.health.js';
import { gatewaySamples } from './gateway.metrics.js';
import { LiveFanoutService } from './live-fanout.service.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

@Module({
  imports: [TelemetryModule, ProcessorModule],
  providers: [
    GatewayCounters,
    ClusterTransport,
    ClusterLink,
    ClientDelivery,
    UnitRoomGateway,
    LiveFanoutService,
    AlarmBroadcastService,
    CommandBroadcastService,
    GatewayStatus,
  ],
  exports: [UnitRoomGateway, LiveFanoutService, AlarmBroadcastService, ClusterLink, GatewayStatus],
})
export class GatewayModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly status: GatewayStatus,
  ) {}

  onModuleInit(): void {
    this.features.registerHealth(gatewayHealthIndicator(this.status));
    this.features.register('socketio', () => gatewaySamples(this.status.snapshot()));
  }
}
