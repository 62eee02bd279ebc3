import { Module } from '@nestjs/common';
import { MqttConnectionService } from './mqtt-connection.service.js';
import { MqttIngestService } from './mqtt-ingest.service.js';
import { MqttSubscriptionRepository } from './mqtt-subscription.repository.js';
import { MqttSubscriptionsService } from './mqtt-subscriptions.service.js';
import { MqttController } from './mqtt.controller.js';
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
  exports: [MqttConnectionService, MqttPublisher],
})
export class MqttModule {}
