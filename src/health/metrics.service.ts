import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { EventBus } from '../common/bus/event-bus.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { PipelineStats } from '../common/metrics/pipeline-stats.js';
import { WriteMetrics } from '../common/metrics/write-metrics.js';
import { APP_VERSION } from '../common/version.js';
import { CollectedMetrics } from './collected-metrics.js';

/** A counter whose value is read from a module's own total at scrape time (it never counts by itself). */
function setCounter(counter: Counter, value: number, labels?: Record<string, string>): void {
  if (labels) counter.inc(labels, value);
  else counter.inc(value);
}

/**
 * Everything /metrics serves, in its own registry. Values are pulled at scrape time: every feature's from the
 * collector it registered with the FeatureRegistry (read from its own counters and snapshots, so no module has
 * prom-client code on its hot path), and the pipeline counters, the event bus and the build info here. The only
 * observations made as things happen are the writer's, once per batch (WriteMetrics).
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  readonly registry = new Registry();
  /** Metrics of the modules that registered a collector (FeatureRegistry). */
  private readonly collected = new CollectedMetrics(this.registry);

  constructor(
    private readonly stats: PipelineStats,
    writeMetrics: WriteMetrics,
    private readonly bus: EventBus,
    private readonly collectors: FeatureRegistry,
  ) {
    // Process CPU, memory, handles, GC and event-loop lag (nodejs_eventloop_lag_seconds and its percentiles).
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(writeMetrics.batchRows);
    this.registry.registerMetric(writeMetrics.writeSeconds);
    this.definePipeline();
  }

  /** The text exposition of every metric, read now. */
  async scrape(): Promise<string> {
    for (const failure of this.collected.refresh(this.collectors.entries())) {
      this.errorLog.error(failure.split(':')[0], failure);
    }
    return this.registry.metrics();
  }

  private counter(name: string, help: string, read: (c: Counter) => void, labelNames: string[] = []): void {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        read(this);
      },
    });
  }

  private gauge(name: string, help: string, read: (g: Gauge) => void, labelNames: string[] = []): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        read(this);
      },
    });
  }

  private definePipeline(): void {
    const s = this.stats;
    this.gauge(
      'scada_build_info',
      'Version of the running backend (always 1)',
      (g) => g.set({ version: APP_VERSION }, 1),
      ['version'],
    );
    this.counter('scada_readings_received_total', 'Messages taken in on reading topics (and on unknown topics)', (c) =>
      setCounter(c, s.received),
    );
    this.counter('scada_readings_accepted_total', 'Readings that passed parsing and validation', (c) =>
      setCounter(c, s.accepted),
    );
    this.counter(
      'scada_readings_rejected_total',
      'Messages, readings and unit statuses rejected, by reason',
      (c) => {
        for (const [reason, n] of s.rejected) setCounter(c, n, { reason });
      },
      ['reason'],
    );
    this.counter(
      'scada_readings_stored_total',
      'Readings committed to the database (redeliveries absorbed by the unique key not counted)',
      (c) => setCounter(c, s.stored),
    );
    this.counter(
      'scada_readings_dropped_total',
      'QoS 0 readings dropped on purpose (writer queue full, or arrived during a shutdown)',
      (c) => setCounter(c, s.dropped),
    );
    this.counter('scada_database_write_errors_total', 'Failed reading writes (each one retried)', (c) =>
      setCounter(c, s.writeErrors),
    );
    this.counter(
      'scada_unit_status_messages_total',
      'Unit status messages by outcome: received, accepted, applied, superseded',
      (c) => {
        setCounter(c, s.statusReceived, { outcome: 'received' });
        setCounter(c, s.statusAccepted, { outcome: 'accepted' });
        setCounter(c, s.statusApplied, { outcome: 'applied' });
        setCounter(c, s.statusSuperseded, { outcome: 'superseded' });
      },
      ['outcome'],
    );
    this.counter(
      'scada_reading_handler_errors_total',
      'Failed calls of custom reading handlers, by handler',
      (c) => {
        for (const [handler, n] of s.handlerErrors) setCounter(c, n, { handler });
      },
      ['handler'],
    );
    this.counter(
      'scada_event_bus_listener_errors_total',
      'Event bus listeners that threw, by event:listener',
      (c) => {
        for (const [listener, n] of Object.entries(this.bus.errorCounts())) setCounter(c, n, { listener });
      },
      ['listener'],
    );
  }
}
