import { Injectable } from '@nestjs/common';

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
 * Where a module that /metrics does not know about yet plugs its counters in, with no prom-client code of its
 * own. One line in the module's service, e.g. for OPC UA:
 *
 *     onModuleInit() { this.metrics.register('opcua', () => opcuaSamples(this.snapshot())); }
 *
 * /metrics (src/health/metrics.service.ts) calls every collector at scrape time.
 */
@Injectable()
export class MetricsCollectorRegistry {
  private readonly collectors = new Map<string, MetricsCollector>();

  /** Registers (or replaces) the collector of `source`; returns a function that removes it. */
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
}
