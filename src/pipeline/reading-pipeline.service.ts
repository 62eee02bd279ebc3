import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import type { ProcessedBatch, RawReading, RawUnitStatus, ReadingBatch } from '../common/bus/event-map.js';
import { ReadingProcessorService } from '../processor/reading-processor.service.js';
import { ReadingWriter } from '../telemetry/reading.writer.js';

/**
 * The ingest pipeline, its stages in order: a source's batch (`readings.received`) → the normaliser → the writer
 * stage, which alone holds the batch's acknowledgement and settles it after the commit, in arrival order → the
 * broadcast of the processed batch (`readings.processed`) to the listeners: latest values, Socket.IO, alarm rules,
 * custom handlers.
 *
 * Listeners get the batch at once, not after the commit: live values and alarms keep flowing while the historian
 * is slow or down (OPC UA and QoS 0 data above all, which nothing redelivers). Only the acknowledgement waits for
 * the commit. The broadcast batch is a new object of a type with no ack, so no listener can settle, leak or delay
 * one; the bus isolates each listener's throw or rejected promise, so a failing listener cannot block intake.
 */
@Injectable()
export class ReadingPipeline implements OnModuleInit {
  constructor(
    private readonly bus: EventBus,
    private readonly normaliser: ReadingProcessorService,
    private readonly writer: ReadingWriter,
  ) {}

  onModuleInit(): void {
    this.bus.on('readings.received', ReadingPipeline.name, (batch) => this.run(batch));
  }

  run(batch: ReadingBatch<RawReading, RawUnitStatus>): void {
    const processed = this.normaliser.process(batch);
    // Every batch reaches the writer, even one whose readings were all rejected: its ack settles in its turn.
    this.writer.enqueue(processed, batch.ack);
    const live = withoutHistorical(processed);
    if (live.readings.length > 0 || (live.statuses?.length ?? 0) > 0) {
      this.bus.emit('readings.processed', live);
    }
  }
}

/**
 * The batch less its historical readings (past values a source resends): they are stored, but are not the live
 * value, so latest values, rooms, alarm rules, handlers and command readbacks never see them. The same batch when
 * it has none (the usual case: one pass over it, nothing copied).
 */
function withoutHistorical(batch: ProcessedBatch): ProcessedBatch {
  if (!batch.readings.some((r) => r.historical === true)) return batch;
  const readings = batch.readings.filter((r) => r.historical !== true);
  return batch.statuses === undefined ? { readings } : { readings, statuses: batch.statuses };
}
