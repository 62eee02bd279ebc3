import { Module } from '@nestjs/common';
import { ReadingProcessorService } from './reading-processor.service.js';

@Module({ providers: [ReadingProcessorService], exports: [ReadingProcessorService] })
export class ProcessorModule {}
