import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { StatusController } from './status.controller.js';

/**
 * /health, /health/live, /health/ready, /api/v1/scada/status and /metrics. It imports no feature: every section,
 * readiness check and metric of a feature is what that feature registered with the FeatureRegistry
 * (src/health/health-boundary.spec.ts holds it to that).
 */
@Module({
  // Terminus would log every failing probe as an error; the health controller logs changes of readiness instead.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, StatusController, MetricsController],
  providers: [HealthService, MetricsService],
})
export class HealthModule {}
