import { Module } from '@nestjs/common';
import { MqttConnectionService } from './mqtt-connection.service.js';
import { MqttIngestService } from './mqtt-ingest.service.js';
import { MqttPublisher } from './mqtt-publisher.js';
import { MqttSubscriptionRepository } from './mqtt-subscription.repository.js';
import { MqttController } from './mqtt.controller.js';

@Module({
  controllers: [MqttController],
  providers: [MqttIngestService, MqttSubscriptionRepository, MqttConnectionService, MqttPublisher],
  exports: [MqttConnectionService, MqttPublisher],
})
export class MqttModule {}
