import type { MetricSample } from '../common/feature/feature.registry.js';
import { counterSample as counter } from '../common/feature/metric-samples.js';
import type { PipelineStats } from './pipeline-stats.js';

/** The pipeline counters' samples for /metrics. */
export function pipelineSamples(s: PipelineStats): MetricSample[] {
  const rejected = 'Messages, readings and unit statuses rejected, by reason';
  const status = 'Unit status messages by outcome: received, accepted, applied, superseded';
  const handlers = 'Failed calls of custom reading handlers, by handler';
  return [
    counter('scada_readings_received_total', 'Messages taken in on reading topics (and on unknown topics)', s.received),
    counter('scada_readings_accepted_total', 'Readings that passed parsing and validation', s.accepted),
    ...[...s.rejected].map(([reason, n]) => counter('scada_readings_rejected_total', rejected, n, { reason })),
    counter(
      'scada_readings_stored_total',
      'Readings committed to the database (redeliveries absorbed by the unique key not counted)',
      s.stored,
    ),
    counter(
      'scada_readings_dropped_total',
      'QoS 0 readings dropped on purpose (writer queue full, or arrived during a shutdown)',
      s.dropped,
    ),
    counter('scada_database_write_errors_total', 'Failed reading writes (each one retried)', s.writeErrors),
    counter('scada_unit_status_messages_total', status, s.statusReceived, { outcome: 'received' }),
    counter('scada_unit_status_messages_total', status, s.statusAccepted, { outcome: 'accepted' }),
    counter('scada_unit_status_messages_total', status, s.statusApplied, { outcome: 'applied' }),
    counter('scada_unit_status_messages_total', status, s.statusSuperseded, { outcome: 'superseded' }),
    ...[...s.handlerErrors].map(([handler, n]) =>
      counter('scada_reading_handler_errors_total', handlers, n, { handler }),
    ),
  ];
}
