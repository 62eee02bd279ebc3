import { Module } from '@nestjs/common';
import { ProcessorModule } from '../processor/processor.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { ReadingPipeline } from './reading-pipeline.service.js';

/** Assembles the ingest pipeline's stages (normaliser from processor/, writer from telemetry/) in their order. */
@Module({ imports: [ProcessorModule, TelemetryModule], providers: [ReadingPipeline] })
export class PipelineModule {}
