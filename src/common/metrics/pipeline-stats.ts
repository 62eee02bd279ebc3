import { Global, Injectable, Module } from '@nestjs/common';
import { FeatureRegistry } from '../feature/feature.registry.js';
import { WriteMetrics } from './write-metrics.js';

/** Why a message, reading or unit status was not stored. Each has its own counter. */
export type RejectReason =
  | 'topic_invalid'
  | 'payload_empty'
  | 'payload_too_large'
  | 'payload_invalid_json'
  | 'payload_not_object'
  | 'value_missing'
  | 'value_not_number'
  | 'value_not_finite'
  | 'value_overflow'
  | 'quality_invalid'
  | 'quality_unknown'
  | 'timestamp_invalid'
  | 'timestamp_in_future'
  | 'timestamp_too_old'
  | 'status_missing'
  | 'status_unknown'
  /** A new unit or sensor past MAX_UNITS, MAX_SENSORS_PER_UNIT or MAX_NEW_SENSORS_PER_MINUTE: nothing created. */
  | 'cardinality_limit';

/**
 * Counters for the reading pipeline, kept in one place so the status endpoint, /health and /metrics
 * report the same numbers. Plain integer increments: cheap enough for the hot path.
 */
@Injectable()
export class PipelineStats {
  /** Messages taken in on reading topics, and on topics that are neither readings nor statuses (topic_invalid). */
  received = 0;
  /** Readings that passed parsing and validation. */
  accepted = 0;
  /** Readings committed to the database (redeliveries absorbed by the unique key are not counted twice). */
  stored = 0;
  /**
   * QoS 0 readings dropped on purpose: the writer queue was full and the source could not be held back, or they
   * arrived after intake stopped for a disconnect or shutdown.
   */
  dropped = 0;
  /** Failed database writes (each retried). */
  writeErrors = 0;
  /** MQTT messages taken in on unit status topics. */
  statusReceived = 0;
  /** Unit statuses that passed parsing and validation. */
  statusAccepted = 0;
  /** Unit statuses committed to `units`. */
  statusApplied = 0;
  /** Valid unit statuses not applied because the unit already had a newer one (late or redelivered). */
  statusSuperseded = 0;
  readonly rejected = new Map<RejectReason, number>();
  /** Failed calls of custom reading handlers, by handler name (processor/reading-handler.ts). */
  readonly handlerErrors = new Map<string, number>();

  reject(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  handlerFailed(name: string): void {
    this.handlerErrors.set(name, (this.handlerErrors.get(name) ?? 0) + 1);
  }

  rejectedTotal(): number {
    let total = 0;
    for (const n of this.rejected.values()) total += n;
    return total;
  }

  snapshot(): {
    received: number;
    accepted: number;
    stored: number;
    dropped: number;
    write_errors: number;
    rejected: number;
    rejected_by_reason: Record<string, number>;
    handler_errors: Record<string, number>;
    unit_status: { received: number; accepted: number; applied: number; superseded: number };
  } {
    return {
      received: this.received,
      accepted: this.accepted,
      stored: this.stored,
      dropped: this.dropped,
      write_errors: this.writeErrors,
      rejected: this.rejectedTotal(),
      rejected_by_reason: Object.fromEntries(this.rejected),
      handler_errors: Object.fromEntries(this.handlerErrors),
      unit_status: {
        received: this.statusReceived,
        accepted: this.statusAccepted,
        applied: this.statusApplied,
        superseded: this.statusSuperseded,
      },
    };
  }
}

/** Counters every module may write to, and the registration point of module collectors for /metrics. */
@Global()
@Module({
  providers: [PipelineStats, WriteMetrics, FeatureRegistry],
  exports: [PipelineStats, WriteMetrics, FeatureRegistry],
})
export class MetricsModule {}
