import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EventBus } from '../common/bus/event-bus.js';
import type { ProcessedReading } from '../common/bus/event-map.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats } from '../pipeline/pipeline-stats.js';
import { type ReadingHandler, ReadingHandlerProvider } from './reading-handler.js';

function isReadingHandler(value: unknown): value is ReadingHandler {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ReadingHandler>;
  return typeof candidate.name === 'string' && candidate.name !== '' && typeof candidate.handle === 'function';
}

/**
 * Finds every provider marked `@ReadingHandlerProvider()` and calls each with every processed batch, isolating
 * them from the pipeline and from each other (see ReadingHandler for the contract). A handler that is not usable
 * (request-scoped, no name, no handle method, a duplicate name) stops the start-up: better than a handler that
 * silently never runs.
 */
@Injectable()
export class ReadingHandlerRunner implements OnModuleInit {
  private readonly logger = new Logger(ReadingHandlerRunner.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  private handlers: ReadingHandler[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly bus: EventBus,
    private readonly stats: PipelineStats,
  ) {}

  onModuleInit(): void {
    const handlers: ReadingHandler[] = [];
    for (const wrapper of this.discovery.getProviders({ metadataKey: ReadingHandlerProvider.KEY })) {
      if (!wrapper.isDependencyTreeStatic()) {
        throw new Error(`Reading handler ${wrapper.name} must be a singleton provider (no request or transient scope)`);
      }
      const instance: unknown = wrapper.instance;
      if (!isReadingHandler(instance)) {
        throw new Error(`Reading handler ${wrapper.name} must have a non-empty name and a handle(batch) method`);
      }
      if (handlers.some((h) => h.name === instance.name)) {
        throw new Error(`Two reading handlers are named '${instance.name}' (is one provider listed in two modules?)`);
      }
      handlers.push(instance);
    }
    this.handlers = handlers;
    if (handlers.length === 0) return;
    this.logger.log(`Reading handlers: ${handlers.map((h) => h.name).join(', ')}`);
    this.bus.on('readings.processed', ReadingHandlerRunner.name, (batch) => this.run(batch.readings));
  }

  /** Handlers registered: `realtime_processor.active_handlers` in /health. */
  get count(): number {
    return this.handlers.length;
  }

  get names(): string[] {
    return this.handlers.map((h) => h.name);
  }

  run(batch: readonly ProcessedReading[]): void {
    if (batch.length === 0) return;
    for (const handler of this.handlers) {
      try {
        const result = handler.handle(batch);
        if (result instanceof Promise) result.catch((err: unknown) => this.fail(handler, err));
      } catch (err) {
        this.fail(handler, err);
      }
    }
  }

  private fail(handler: ReadingHandler, err: unknown): void {
    this.stats.handlerFailed(handler.name);
    const message = err instanceof Error ? err.message : String(err);
    this.errorLog.error(handler.name, `Reading handler ${handler.name} failed: ${message}`);
  }
}
