import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AlertsModule } from '../alerts/alerts.module.js';
import { GatewayModule } from '../gateway/gateway.module.js';
import { MqttModule } from '../mqtt/mqtt.module.js';
import { ProcessorModule } from '../processor/processor.module.js';
import { SimulatorModule } from '../simulator/simulator.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { ShutdownService } from './shutdown.service.js';
import { StatusController } from './status.controller.js';

@Module({
  imports: [
    // Terminus would log every failing probe as an error; the health controller logs changes of readiness instead.
    TerminusModule.forRoot({ logger: false }),
    MqttModule,
    GatewayModule,
    TelemetryModule,
    ProcessorModule,
    AlertsModule,
    SimulatorModule,
  ],
  controllers: [HealthController, StatusController, MetricsController],
  providers: [HealthService, MetricsService, ShutdownService],
  exports: [ShutdownService],
})
export class HealthModule {}
