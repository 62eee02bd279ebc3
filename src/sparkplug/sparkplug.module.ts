import { Module, type OnModuleInit } from '@nestjs/common';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { MqttModule } from '../mqtt/mqtt.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { SparkplugHostService } from './sparkplug-host.service.js';
import { SparkplugController } from './sparkplug.controller.js';
import { sparkplugHealthIndicator } from './sparkplug.health.js';
import { sparkplugSamples } from './sparkplug.metrics.js';

/** The Sparkplug B host application (SPARKPLUG_ENABLED), on the backend's MQTT connection. No tables of its own. */
@Module({
  imports: [MqttModule, TelemetryModule],
  controllers: [SparkplugController],
  providers: [SparkplugHostService],
})
export class SparkplugModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly host: SparkplugHostService,
  ) {}

  onModuleInit(): void {
    this.features.registerHealth(sparkplugHealthIndicator(() => this.host.snapshot()));
    this.features.register('sparkplug', () => sparkplugSamples(this.host.snapshot()));
  }
}
