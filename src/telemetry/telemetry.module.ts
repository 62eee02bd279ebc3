import { Module } from '@nestjs/common';
import { ProcessorModule } from '../processor/processor.module.js';
import { ReadingWriter } from './reading.writer.js';
import { SensorRegistry } from './sensor.registry.js';
import { SensorSettingsSync } from './sensor-settings.sync.js';

@Module({
  imports: [ProcessorModule],
  providers: [SensorRegistry, ReadingWriter, SensorSettingsSync],
  exports: [SensorRegistry, ReadingWriter],
})
export class TelemetryModule {}
