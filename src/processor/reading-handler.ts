import { DiscoveryService } from '@nestjs/core';
import type { ProcessedReading } from '../common/bus/event-map.js';

/**
 * The extension point for custom processing: a handler sees every processed batch (after validation, scaling and
 * quality assessment), in order, as it leaves the processor.
 *
 * Register one by marking a provider with `@ReadingHandlerProvider()` and listing it in any module's `providers`;
 * the processor finds it at start-up (no list to edit), and `/health` counts it in
 * `realtime_processor.active_handlers`.
 *
 * The contract:
 * - `handle` is called synchronously, once per batch. The pipeline never waits for a promise it returns: storage
 *   and live delivery go on regardless, so a handler that does I/O must bound its own backlog.
 * - A handler that throws, or whose promise rejects, is logged (at most once per 10 s per handler) and counted in
 *   `/api/v1/scada/status` → `pipeline.handler_errors`; the other handlers, storage and live delivery carry on.
 * - The batch is shared with storage and live delivery: read it, never change it.
 * - Providers must be singletons (the default scope): there is no request for a reading batch.
 *
 * ```ts
 * @Injectable()
 * @ReadingHandlerProvider()
 * export class HotSpotCounter implements ReadingHandler {
 *   readonly name = 'hot-spot-counter';
 *   hot = 0;
 *   handle(batch: readonly ProcessedReading[]): void {
 *     for (const r of batch) if (r.sensorType === 'temperature' && r.value > 120) this.hot++;
 *   }
 * }
 * ```
 */
export interface ReadingHandler {
  /** Unique among handlers; names the handler in logs and error counters. */
  readonly name: string;
  /** Called with every processed batch (never an empty one). */
  handle(batch: readonly Readonly<ProcessedReading>[]): void | Promise<void>;
}

/** Marks a provider as a ReadingHandler, so the processor discovers and calls it. */
export const ReadingHandlerProvider = DiscoveryService.createDecorator<void>();
