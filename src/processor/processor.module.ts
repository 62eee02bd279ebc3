import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ReadingHandlerRunner } from './reading-handler.runner.js';
import { ReadingProcessorService } from './reading-processor.service.js';
import { SensorSettingsCache } from './sensor-settings.cache.js';
import { AppConfig } from '../config/app-config.js';
import { SensorCatalog } from './sensor-catalog.js';
import { PointStateCounter } from './point-state.counter.js';

@Module({
  imports: [DiscoveryModule],
  providers: [
    ReadingProcessorService,
    SensorSettingsCache,
    ReadingHandlerRunner,
    PointStateCounter,
    {
      provide: SensorCatalog,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new SensorCatalog({
          maxUnits: config.maxUnits,
          maxSensorsPerUnit: config.maxSensorsPerUnit,
          maxNewSensorsPerMinute: config.maxNewSensorsPerMinute,
        }),
    },
  ],
  exports: [ReadingProcessorService, SensorSettingsCache, ReadingHandlerRunner, SensorCatalog],
})
export class ProcessorModule {}
