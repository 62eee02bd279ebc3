import { Module } from '@nestjs/common';
import { MqttIngestService } from './mqtt-ingest.service.js';

@Module({ providers: [MqttIngestService], exports: [MqttIngestService] })
export class MqttModule {}
