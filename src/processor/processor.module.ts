import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ReadingHandlerRunner } from './reading-handler.runner.js';
import { ReadingProcessorService } from './reading-processor.service.js';
import { SensorSettingsCache } from './sensor-settings.cache.js';

@Module({
  imports: [DiscoveryModule],
  providers: [ReadingProcessorService, SensorSettingsCache, ReadingHandlerRunner],
  exports: [ReadingProcessorService, SensorSettingsCache, ReadingHandlerRunner],
})
export class ProcessorModule {}
