import { Module, type OnModuleInit } from '@nestjs/common';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { MqttConnectionService } from './mqtt-connection.service.js';
import { MqttIngestService } from './mqtt-ingest.service.js';
import { MqttSubscriptionRepository } from './mqtt-subscription.repository.js';
import { MqttSubscriptionsService } from './mqtt-subscriptions.service.js';
import { MqttController } from './mqtt.controller.js';
import { mqttHealthIndicator } from './mqtt.health.js';
import { mqttSamples } from './mqtt.metrics.js';
import { MqttPublisher } from './mqtt.publisher.js';

@Module({
  controllers: [MqttController],
  providers: [
    MqttIngestService,
    MqttSubscriptionRepository,
    MqttConnectionService,
    MqttSubscriptionsService,
    MqttPublisher,
  ],
  exports: [MqttConnectionService, MqttPublisher, MqttIngestService],
})
export class MqttModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly connection: MqttConnectionService,
  ) {}

  onModuleInit(): void {
    this.features.registerHealth(mqttHealthIndicator(() => this.connection.snapshot()));
    this.features.register('mqtt', () => mqttSamples(this.connection.snapshot()));
  }
}
