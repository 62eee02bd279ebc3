import type { ProcessedBatch, RawReading, RawUnitStatus, ReadingBatch } from '../common/bus/event-map.js';

declare module '../common/bus/event-map.js' {
  interface EventMap {
    /** A source's batch, with its ack; only the pipeline listens (src/pipeline/reading-pipeline.service.ts). */
    'readings.received': ReadingBatch<RawReading, RawUnitStatus>;
    /** A normalised batch, without its ack, for every live listener (latest values, gateway, alerts, handlers). */
    'readings.processed': ProcessedBatch;
  }
}
