import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, type Metric, Registry } from 'prom-client';
import { EventBus } from '../common/bus/event-bus.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { APP_VERSION } from '../common/version.js';
import { CollectedMetrics } from './collected-metrics.js';

/**
 * Everything /metrics serves, in its own registry. Values are pulled at scrape time from the collectors the features
 * registered with the FeatureRegistry (read from their own counters and snapshots, so no module has prom-client code
 * on its hot path); the metrics a feature observes itself (the writer's histograms, once per batch) are served as
 * they are. What is measured here belongs to no feature: the build, the event bus, the process.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  readonly registry = new Registry();
  /** Metrics of the modules that registered a collector (FeatureRegistry). */
  private readonly collected = new CollectedMetrics(this.registry);
  /** The observed metrics (FeatureRegistry.registerObserved) in the registry now. */
  private readonly observed = new Set<Metric>();

  constructor(
    bus: EventBus,
    private readonly features: FeatureRegistry,
  ) {
    // Process CPU, memory, handles, GC and event-loop lag (nodejs_eventloop_lag_seconds and its percentiles).
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'scada_build_info',
      help: 'Version of the running backend (always 1)',
      labelNames: ['version'],
      registers: [this.registry],
      collect() {
        this.set({ version: APP_VERSION }, 1);
      },
    });
    new Counter({
      name: 'scada_event_bus_listener_errors_total',
      help: 'Event bus listeners that threw, by event:listener',
      labelNames: ['listener'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [listener, n] of Object.entries(bus.errorCounts())) this.inc({ listener }, n);
      },
    });
  }

  /** The text exposition of every metric, read now. */
  async scrape(): Promise<string> {
    this.syncObserved();
    for (const failure of this.collected.refresh(this.features.entries())) {
      this.errorLog.error(failure.split(':')[0], failure);
    }
    return this.registry.metrics();
  }

  /** Adds the observed metrics registered since the last scrape (they stay for the life of the process). */
  private syncObserved(): void {
    for (const metric of this.features.observedMetrics()) {
      if (this.observed.has(metric)) continue;
      this.registry.registerMetric(metric);
      this.observed.add(metric);
    }
  }
}
