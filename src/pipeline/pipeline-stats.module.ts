import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { PipelineStats } from './pipeline-stats.js';
import { pipelineHealthIndicator } from './pipeline.health.js';
import { pipelineSamples } from './pipeline.metrics.js';

/**
 * The pipeline counters, global because every stage writes to them (sources, processor, writer) and none of those
 * imports PipelineModule, which imports them. Registers the `pipeline` section of /api/v1/scada/status and the
 * pipeline's metrics.
 */
@Global()
@Module({ providers: [PipelineStats], exports: [PipelineStats] })
export class PipelineStatsModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly stats: PipelineStats,
  ) {}

  onModuleInit(): void {
    this.features.registerHealth(pipelineHealthIndicator(this.stats));
    this.features.register('pipeline', () => pipelineSamples(this.stats));
  }
}
