import type { MetricSample } from '../common/feature/feature.registry.js';
import { gaugeSample } from '../common/feature/metric-samples.js';
import type { ReadingWriter } from './reading.writer.js';

/** The reading writer's queue for /metrics: what waits for the database, and for how long. */
export function writerQueueSamples(
  writer: Pick<ReadingWriter, 'pending' | 'pendingBatches' | 'oldestPendingAgeMs'>,
): MetricSample[] {
  return [
    gaugeSample('scada_writer_queue_readings', 'Readings waiting for the database', writer.pending),
    gaugeSample('scada_writer_queue_batches', 'Batches waiting for the database', writer.pendingBatches),
    gaugeSample(
      'scada_writer_queue_oldest_age_seconds',
      'Age of the oldest batch waiting for the database',
      writer.oldestPendingAgeMs / 1000,
    ),
  ];
}
