import { Module } from '@nestjs/common';
import { ReadingWriter } from './reading.writer.js';
import { SensorRegistry } from './sensor.registry.js';

@Module({ providers: [SensorRegistry, ReadingWriter], exports: [SensorRegistry, ReadingWriter] })
export class TelemetryModule {}
