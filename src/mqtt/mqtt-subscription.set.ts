import type { StoredSubscription } from './mqtt-subscription.repository.js';
import { filtersOverlap } from './topic-filter.js';

/** Delivery level of a subscription. QoS 2 is refused: the held-PUBACK contract is QoS 1's, writes are idempotent. */
export type SubscriptionQos = 0 | 1;

/** One subscription of the session as the status reports it. */
export interface SubscriptionState {
  filter: string;
  qos: SubscriptionQos;
  /** From the configuration (MQTT_TOPIC_PREFIX, MQTT_SHARED_GROUP); cannot be removed at run time. */
  configured: boolean;
  /** Confirmed by the broker on the current connection. */
  active: boolean;
  /** Can match `{prefix}/{unit_id}/{sensor_type|status}`; messages on other topics are rejected as topic_invalid. */
  readingTopics: boolean;
}

/** Why a change to the subscription set is refused: `not_found` names no subscription, `conflict` breaks a rule. */
export interface SubscriptionRefusal {
  kind: 'not_found' | 'conflict';
  message: string;
}

/**
 * The subscriptions one broker session should hold and which of them the broker confirmed on the current
 * connection. Pure bookkeeping: no broker, no database; MqttSubscriptionsService does the I/O around it.
 */
export class MqttSubscriptionSet {
  /** Configured first, then dynamic ones in the order they were made. */
  private readonly wanted = new Map<string, { qos: SubscriptionQos; configured: boolean }>();
  private readonly active = new Set<string>();
  /** Filters still in the broker session that are no longer wanted: unsubscribed on the next connect. */
  private staleFilters: string[] = [];

  /**
   * @param configuredFilter `{prefix}/#`, or `$share/{group}/{prefix}/#` when instances split the stream.
   * @param readingShape `{prefix}/+/+`: what a filter must overlap to deliver readings.
   */
  constructor(
    readonly configuredFilter: string,
    private readonly readingShape: string,
  ) {
    this.load([]);
  }

  /**
   * Starts over from what a client id's session holds according to the database. Stored filters the configuration
   * no longer wants (an old prefix or shared group, or a dynamic filter that now overlaps the configured one)
   * become stale: the broker would keep delivering them until they are unsubscribed.
   */
  load(stored: readonly StoredSubscription[]): void {
    this.wanted.clear();
    this.active.clear();
    this.staleFilters = [];
    this.wanted.set(this.configuredFilter, { qos: 1, configured: true });
    for (const s of stored) {
      if (s.filter === this.configuredFilter) continue;
      if (s.configured || [...this.wanted.keys()].some((f) => filtersOverlap(f, s.filter))) {
        this.staleFilters.push(s.filter);
      } else {
        this.wanted.set(s.filter, { qos: s.qos, configured: false });
      }
    }
  }

  get stale(): readonly string[] {
    return this.staleFilters;
  }

  clearStale(): void {
    this.staleFilters = [];
  }

  /** Everything the session should hold, to subscribe on a new connection. */
  all(): StoredSubscription[] {
    return [...this.wanted].map(([filter, s]) => ({ filter, qos: s.qos, configured: s.configured }));
  }

  /**
   * Why `filters` (without duplicates) cannot be added: the configured filter cannot change, and a filter that
   * overlaps another subscription would make the broker deliver each matching message once per subscription.
   */
  refusalToAdd(filters: readonly string[]): SubscriptionRefusal | undefined {
    for (const [i, filter] of filters.entries()) {
      if (this.wanted.get(filter)?.configured) {
        return {
          kind: 'conflict',
          message: `'${filter}' is the configured subscription; it cannot be changed at run time`,
        };
      }
      const others = [...this.wanted.keys(), ...filters.slice(0, i)].filter((f) => f !== filter);
      const overlap = others.find((f) => filtersOverlap(f, filter));
      if (overlap !== undefined) {
        return {
          kind: 'conflict',
          message:
            `'${filter}' overlaps the subscription '${overlap}': the broker would deliver matching messages twice. ` +
            `Unsubscribe '${overlap}' first, or choose a filter that does not overlap it.`,
        };
      }
    }
    return undefined;
  }

  /** Why `filters` cannot be removed: only dynamic subscriptions that exist can. */
  refusalToRemove(filters: readonly string[]): SubscriptionRefusal | undefined {
    for (const filter of filters) {
      const existing = this.wanted.get(filter);
      if (!existing) return { kind: 'not_found', message: `Not subscribed to '${filter}'` };
      if (existing.configured) {
        return {
          kind: 'conflict',
          message: `'${filter}' is the configured subscription; it cannot be removed at run time`,
        };
      }
    }
    return undefined;
  }

  /** Adds a dynamic subscription, or changes its QoS. */
  want(filter: string, qos: SubscriptionQos): void {
    this.wanted.set(filter, { qos, configured: false });
  }

  drop(filter: string): void {
    this.wanted.delete(filter);
    this.active.delete(filter);
  }

  /** The broker granted `filter` on the current connection. */
  confirm(filter: string): void {
    this.active.add(filter);
  }

  /** The connection is gone: nothing is confirmed any more. */
  connectionDown(): void {
    this.active.clear();
  }

  /** Filters the broker confirmed on the current connection, in subscription order. */
  subscribedTopics(connected: boolean): string[] {
    return connected ? [...this.wanted.keys()].filter((f) => this.active.has(f)) : [];
  }

  states(connected: boolean): SubscriptionState[] {
    return [...this.wanted].map(([filter, s]) => ({
      filter,
      qos: s.qos,
      configured: s.configured,
      active: connected && this.active.has(filter),
      readingTopics: filtersOverlap(filter, this.readingShape),
    }));
  }
}
