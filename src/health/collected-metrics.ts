import { Counter, Gauge, type Registry } from 'prom-client';
import type { MetricsCollector, MetricSample } from '../common/feature/feature.registry.js';

/**
 * Turns the samples of registered collectors (FeatureRegistry) into Prometheus metrics of a registry:
 * a metric is created the first time its name is seen, and every refresh replaces all values with the
 * collectors' current ones (a counter's value is the module's own total).
 */
export class CollectedMetrics {
  private readonly metrics = new Map<string, Counter | Gauge>();

  constructor(private readonly registry: Registry) {}

  /** Reads every collector now; returns one message per collector that failed (the others still apply). */
  refresh(collectors: Iterable<[string, MetricsCollector]>): string[] {
    const failures: string[] = [];
    for (const metric of this.metrics.values()) metric.reset();
    for (const [source, collect] of collectors) {
      try {
        for (const sample of collect()) this.apply(sample);
      } catch (err) {
        failures.push(`Metrics collector '${source}' failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return failures;
  }

  private apply(sample: MetricSample): void {
    let metric = this.metrics.get(sample.name);
    if (!metric) {
      const options = {
        name: sample.name,
        help: sample.help,
        labelNames: Object.keys(sample.labels ?? {}),
        registers: [this.registry],
      };
      metric = sample.type === 'counter' ? new Counter(options) : new Gauge(options);
      this.metrics.set(sample.name, metric);
    }
    if ((metric instanceof Counter ? 'counter' : 'gauge') !== sample.type) {
      throw new Error(`${sample.name} was reported as a ${sample.type === 'counter' ? 'gauge' : 'counter'} before`);
    }
    if (metric instanceof Counter) metric.inc(sample.labels ?? {}, sample.value);
    else metric.set(sample.labels ?? {}, sample.value);
  }
}
