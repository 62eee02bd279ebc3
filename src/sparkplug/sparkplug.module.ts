import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { MqttModule } from '../mqtt/mqtt.module.js';
import { ProcessorModule } from '../processor/processor.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { SparkplugCommandChannel } from './sparkplug-command.channel.js';
import { SparkplugHostService } from './sparkplug-host.service.js';
import { SparkplugMappingRepository } from './sparkplug-mapping.repository.js';
import { SparkplugMappingsService } from './sparkplug-mappings.service.js';
import { MappingOverrides } from './sparkplug-overrides.js';
import { SparkplugController } from './sparkplug.controller.js';
import { sparkplugHealthIndicator } from './sparkplug.health.js';
import { sparkplugSamples } from './sparkplug.metrics.js';

/**
 * The Sparkplug B host application (SPARKPLUG_ENABLED), on the backend's MQTT connection: births, data and deaths
 * as readings, the `sparkplug` command channel (NCMD/DCMD) and the engineers' mapping overrides.
 */
@Module({
  imports: [MqttModule, TelemetryModule, ProcessorModule, CommandsModule],
  controllers: [SparkplugController],
  providers: [
    SparkplugHostService,
    SparkplugCommandChannel,
    SparkplugMappingRepository,
    SparkplugMappingsService,
    { provide: MappingOverrides, useFactory: () => new MappingOverrides() },
  ],
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
