import { Injectable } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import { DatabasePool } from '../common/database/database.pool.js';
import type { HealthIndicator, HealthProbe } from '../common/feature/health-indicator.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { APP_VERSION } from '../common/version.js';
import { sections } from './health-sections.js';

/**
 * Gathers /health and /api/v1/scada/status from what the features registered (FeatureRegistry.registerHealth): each
 * indicator contributes its section, in the order of its position. What is measured here belongs to no feature:
 * the database ping (once per request, handed to every indicator), the event bus, the process.
 */
@Injectable()
export class HealthService {
  constructor(
    private readonly db: DatabasePool,
    private readonly bus: EventBus,
    private readonly features: FeatureRegistry,
  ) {}

  /** Pings the database (2 s at most). */
  async probe(): Promise<HealthProbe> {
    try {
      await this.db.ping(2000);
      return { database: { ok: true } };
    } catch (err) {
      return { database: { ok: false, error: err instanceof Error ? err.message : String(err) } };
    }
  }

  /** The indicators that decide readiness besides the database (the ones with `ready`). */
  readinessIndicators(): HealthIndicator[] {
    return this.features.healthIndicators().filter((indicator) => indicator.ready !== undefined);
  }

  /** The summary served at /health: `degraded` while the database is unreachable or any indicator is unhealthy. */
  async summary() {
    const probe = await this.probe();
    const indicators = this.features.healthIndicators();
    const featuresOk = indicators.every((indicator) => indicator.healthy?.(probe) ?? true);
    return {
      status: probe.database.ok && featuresOk ? 'healthy' : 'degraded',
      version: APP_VERSION,
      timestamp: new Date().toISOString(),
      ...sections(indicators, 'summary', probe),
    };
  }

  /** The detailed state served at /api/v1/scada/status. */
  async status() {
    const probe = await this.probe();
    return {
      version: APP_VERSION,
      server_time: new Date().toISOString(),
      uptime_s: Math.round(process.uptime()),
      ...sections(this.features.healthIndicators(), 'status', probe),
      event_bus: { listener_errors: this.bus.errorCounts() },
      memory: { rss_mb: Math.round(process.memoryUsage().rss / 1048576) },
    };
  }
}
