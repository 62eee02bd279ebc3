import { Injectable } from '@nestjs/common';

/**
 * The reasons a reading of any source can be refused for. A source adds the reasons of its own protocol by declaration
 * merging in its `<feature>.events.ts` (`declare module '../pipeline/pipeline-stats.js' { interface RejectReasons {
 * topic_invalid: true } }`), as it declares its `ReadingSources` name, so this file names no source.
 */
export interface RejectReasons {
  value_missing: true;
  value_not_number: true;
  value_not_finite: true;
  value_overflow: true;
  /** A value sent as a state name its sensor's state table does not hold (or a point with no state table). */
  state_name_unknown: true;
  quality_invalid: true;
  quality_unknown: true;
  timestamp_invalid: true;
  timestamp_in_future: true;
  timestamp_too_old: true;
  /** A new unit or sensor past MAX_UNITS, MAX_SENSORS_PER_UNIT or MAX_NEW_SENSORS_PER_MINUTE: nothing created. */
  cardinality_limit: true;
}

/** Why a message, reading or unit status was not stored. Each has its own counter. */
export type RejectReason = keyof RejectReasons;

/**
 * Counters for the reading pipeline, written by every stage (sources, normaliser, writer, handlers) and kept in one
 * place so the status endpoint and /metrics report the same numbers. Plain integer increments: cheap enough for the
 * hot path. Provided to every module by PipelineStatsModule, which also registers what it reports.
 */
@Injectable()
export class PipelineStats {
  /** Messages taken in for readings, and those a source could not tell as reading or status (e.g. topic_invalid). */
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
  /** Unit status messages taken in. */
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
