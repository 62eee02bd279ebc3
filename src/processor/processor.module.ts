import { Module } from '@nestjs/common';
import { ReadingProcessorService } from './reading-processor.service.js';
import { SensorSettingsCache } from './sensor-settings.cache.js';

@Module({
  providers: [ReadingProcessorService, SensorSettingsCache],
  exports: [ReadingProcessorService, SensorSettingsCache],
})
export class ProcessorModule {}
