import { Injectable } from '@nestjs/common';
import { Histogram } from 'prom-client';

/**
 * Histograms of the reading writer's statements: one observation per INSERT (a batch of up to WRITER_MAX_ROWS
 * readings), never per reading. They belong to no registry: TelemetryModule registers them with the FeatureRegistry for /metrics.
 */
@Injectable()
export class WriteMetrics {
  readonly batchRows = new Histogram({
    name: 'scada_writer_batch_rows',
    help: 'Readings per INSERT statement of the reading writer',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
    registers: [],
  });

  readonly writeSeconds = new Histogram({
    name: 'scada_writer_write_duration_seconds',
    help: 'Time to write one batch of readings (INSERT and unit statuses), successful writes only',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [],
  });

  /** One committed write of `rows` readings that took `seconds`. */
  observe(rows: number, seconds: number): void {
    this.batchRows.observe(rows);
    this.writeSeconds.observe(seconds);
  }
}
