import { Injectable } from '@nestjs/common';
import type { Metric } from 'prom-client';
import type { HealthIndicator } from './health-indicator.js';

/** One value a module reports at scrape time. Names follow Prometheus rules; prefix them with `scada_<module>_`. */
export interface MetricSample {
  name: string;
  help: string;
  /** `counter` for totals that only grow (name them `..._total`), `gauge` for levels. */
  type: 'counter' | 'gauge';
  value: number;
  /** Label values; every sample of one name must use the same label names. */
  labels?: Record<string, string>;
}

/** Reads a module's counters (usually its `snapshot()`) into samples. Called at every scrape; must not throw. */
export type MetricsCollector = () => Iterable<MetricSample>;

/**
 * Where a feature plugs in what it reports at run time, so that /health, /health/ready, /api/v1/scada/status and
 * /metrics (src/health/) iterate what was registered and never name a feature:
 *
 * - `registerHealth(indicator)`: its sections of /health and the status, whether it degrades /health and, for a
 *   feature the backend cannot take traffic without, its readiness check (HealthIndicator, `<feature>.health.ts`);
 * - `register(name, collect)`: its metrics, read from its own counters at every scrape (`<feature>.metrics.ts`, no
 *   prom-client code of its own);
 * - `registerObserved(name, metrics)`: prom-client metrics it observes itself as things happen (histograms).
 *
 * One line each in the feature's module, which injects the registry and the services it reads:
 *
 *     onModuleInit() {
 *       this.features.registerHealth(mqttHealthIndicator(() => this.connection.snapshot()));
 *       this.features.register('mqtt', () => mqttSamples(this.connection.snapshot()));
 *     }
 *
 * What a feature contributes to the database (entities, migrations) is its FeatureDefinition instead, and its
 * configuration its `<feature>.config.ts` slice: both are read before the application starts.
 */
@Injectable()
export class FeatureRegistry {
  private readonly collectors = new Map<string, MetricsCollector>();
  private readonly indicators = new Map<string, HealthIndicator>();
  private readonly observed = new Map<string, readonly Metric[]>();

  /** Registers (or replaces) the metrics collector of `source`; returns a function that removes it. */
  register(source: string, collect: MetricsCollector): () => void {
    this.collectors.set(source, collect);
    return () => {
      if (this.collectors.get(source) === collect) this.collectors.delete(source);
    };
  }

  /** Every registered source and its collector. */
  entries(): [string, MetricsCollector][] {
    return [...this.collectors];
  }

  /**
   * Registers prom-client metrics that `source` observes itself as things happen (histograms: the writer's batch
   * sizes and durations, one observation per batch), served by /metrics as they are, for the life of the process.
   */
  registerObserved(source: string, metrics: readonly Metric[]): void {
    this.observed.set(source, metrics);
  }

  /** Every metric some source observes itself. */
  observedMetrics(): Metric[] {
    return [...this.observed.values()].flat();
  }

  /** Registers the health indicator of a feature; a second one with the same name is a wiring mistake. */
  registerHealth(indicator: HealthIndicator): () => void {
    if (this.indicators.has(indicator.name)) {
      throw new Error(`A health indicator named '${indicator.name}' is registered already`);
    }
    this.indicators.set(indicator.name, indicator);
    return () => {
      if (this.indicators.get(indicator.name) === indicator) this.indicators.delete(indicator.name);
    };
  }

  /** Every registered health indicator, in registration order. */
  healthIndicators(): HealthIndicator[] {
    return [...this.indicators.values()];
  }
}
