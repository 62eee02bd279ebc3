import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { RUNTIME_INFO, type RuntimeInfo } from '../config/runtime.js';
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
import { databaseHealthIndicator, historianHealthIndicator } from './telemetry.health.js';
import { writerQueueSamples } from './telemetry.metrics.js';
import { WriteMetrics } from './write.metrics.js';
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
    WriteMetrics,
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
export class TelemetryModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly writer: ReadingWriter,
    private readonly registry: SensorRegistry,
    private readonly storage: StoragePolicyService,
    private readonly writeMetrics: WriteMetrics,
    @Inject(RUNTIME_INFO) private readonly runtime: RuntimeInfo,
  ) {}

  onModuleInit(): void {
    const { writer, registry, storage } = this;
    this.features.registerHealth(
      databaseHealthIndicator({ writer, registry, storage, embedded: this.runtime.databaseEmbedded }),
    );
    this.features.registerHealth(historianHealthIndicator(storage));
    this.features.register('writer', () => writerQueueSamples(writer));
    this.features.registerObserved('writer', [this.writeMetrics.batchRows, this.writeMetrics.writeSeconds]);
  }
}
