import { Module } from '@nestjs/common';
import { ReadingWriter } from './reading.writer.js';
import { SensorRegistry } from './sensor.registry.js';
import { UnitStatusWriter } from './unit-status.writer.js';

@Module({
  providers: [SensorRegistry, UnitStatusWriter, ReadingWriter],
  exports: [SensorRegistry, ReadingWriter],
})
export class TelemetryModule {}
