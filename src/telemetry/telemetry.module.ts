import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProcessorModule } from '../processor/processor.module.js';
import { Sensor } from './entities/sensor.entity.js';
import { Unit } from './entities/unit.entity.js';
import { HistoryService } from './history.service.js';
import { DeadLetterWriter } from './dead-letter.writer.js';
import { LastSeenWriter } from './last-seen.writer.js';
import { LatestValues } from './latest-values.service.js';
import { ReadingWriter } from './reading.writer.js';
import { SensorDeclarations } from './sensor-declaration.service.js';
import { SensorRegistry } from './sensor.registry.js';
import { SensorSettingsSync } from './sensor-settings.sync.js';
import { SensorsController } from './sensors.controller.js';
import { SensorsService } from './sensors.service.js';
import { StoragePolicyService } from './storage-policy.service.js';
import { TelemetryController } from './telemetry.controller.js';
import { TelemetryRepository } from './telemetry.repository.js';
import { UnitStatusWriter } from './unit-status.writer.js';

@Module({
  imports: [TypeOrmModule.forFeature([Unit, Sensor]), ProcessorModule],
  controllers: [SensorsController, TelemetryController],
  providers: [
    LatestValues,
    SensorRegistry,
    SensorDeclarations,
    UnitStatusWriter,
    ReadingWriter,
    LastSeenWriter,
    DeadLetterWriter,
    SensorSettingsSync,
    SensorsService,
    StoragePolicyService,
    TelemetryRepository,
    HistoryService,
  ],
  exports: [SensorRegistry, SensorDeclarations, ReadingWriter, LatestValues, StoragePolicyService],
})
export class TelemetryModule {}
