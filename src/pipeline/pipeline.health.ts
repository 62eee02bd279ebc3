import type { HealthIndicator } from '../common/feature/health-indicator.js';
import type { PipelineStats } from './pipeline-stats.js';

/** The `pipeline` section of /api/v1/scada/status: received, accepted, stored, rejected by reason, unit statuses. */
export function pipelineHealthIndicator(stats: Pick<PipelineStats, 'snapshot'>): HealthIndicator {
  return { name: 'pipeline', positions: { status: 40 }, status: () => stats.snapshot() };
}
