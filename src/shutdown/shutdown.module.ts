import { Module } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module.js';
import { MqttModule } from '../mqtt/mqtt.module.js';
import { SimulatorModule } from '../simulator/simulator.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { ShutdownService } from './shutdown.service.js';

/**
 * The graceful shutdown's drain. It knows the features by name on purpose: the delivery contract fixes the order in
 * which the simulator, MQTT intake, the writer and Socket.IO stop (ShutdownService). /health/ready learns of it
 * through ShutdownState (common/), not through this module.
 */
@Module({
  imports: [MqttModule, GatewayModule, TelemetryModule, SimulatorModule],
  providers: [ShutdownService],
  exports: [ShutdownService],
})
export class ShutdownModule {}
