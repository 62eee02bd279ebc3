import { Injectable, Logger } from '@nestjs/common';
import type { EventMap, EventName } from './event-map.js';

type Listener<K extends EventName> = (payload: EventMap[K]) => void | Promise<void>;

/**
 * The typed, in-process event bus that connects the modules. Dispatch is synchronous, so a batch reaches every
 * listener in the order they subscribed with no promise per event. A listener that throws (or whose promise
 * rejects) is logged and counted; the other listeners still run.
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger(EventBus.name);
  private readonly listeners = new Map<EventName, { owner: string; fn: Listener<EventName> }[]>();
  private readonly errors = new Map<string, number>();

  on<K extends EventName>(event: K, owner: string, listener: Listener<K>): () => void {
    const entry = { owner, fn: listener as Listener<EventName> };
    const list = this.listeners.get(event) ?? [];
    list.push(entry);
    this.listeners.set(event, list);
    return () => {
      const current = this.listeners.get(event) ?? [];
      this.listeners.set(
        event,
        current.filter((e) => e !== entry),
      );
    };
  }

  emit<K extends EventName>(event: K, payload: EventMap[K]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const { owner, fn } of list) {
      try {
        const result = fn(payload);
        if (result instanceof Promise) result.catch((err: unknown) => this.fail(event, owner, err));
      } catch (err) {
        this.fail(event, owner, err);
      }
    }
  }

  listenerCount(event: EventName): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Listener failures so far, keyed `event:owner`. */
  errorCounts(): Record<string, number> {
    return Object.fromEntries(this.errors);
  }

  private fail(event: EventName, owner: string, err: unknown): void {
    const key = `${event}:${owner}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    this.logger.error(`Listener ${owner} failed on ${event}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
