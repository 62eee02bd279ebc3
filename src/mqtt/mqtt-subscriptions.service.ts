import {
  BadGatewayException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { MqttClient } from 'mqtt';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { AppConfig } from '../config/app-config.js';
import { MqttConnectionService } from './mqtt-connection.service.js';
import type { MqttSessionKeeper } from './mqtt-session.keeper.js';
import { MqttSubscriptionRepository, type StoredSubscription } from './mqtt-subscription.repository.js';
import {
  MqttSubscriptionSet,
  type SubscriptionQos,
  type SubscriptionRefusal,
  type SubscriptionState,
} from './mqtt-subscription.set.js';
import { sharedFilter } from './topic-filter.js';
import { TopicParser } from './topic.parser.js';

interface SubackResult {
  filter: string;
  ok: boolean;
  code: number;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function toHttp(refusal: SubscriptionRefusal): Error {
  return refusal.kind === 'not_found' ? new NotFoundException(refusal.message) : new ConflictException(refusal.message);
}

/**
 * The subscriptions of the backend's broker session: the configured filter plus dynamic ones made over REST,
 * remembered per client id in the database (the broker keeps a persistent session across backend restarts, so
 * the backend must know what it holds). Subscribes the whole set on every connection and changes it on request,
 * one control operation at a time with the connection's own.
 */
@Injectable()
export class MqttSubscriptionsService implements MqttSessionKeeper {
  private readonly logger = new Logger(MqttSubscriptionsService.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  private readonly set: MqttSubscriptionSet;

  constructor(
    config: AppConfig,
    private readonly connection: MqttConnectionService,
    private readonly store: MqttSubscriptionRepository,
  ) {
    this.set = new MqttSubscriptionSet(
      sharedFilter(new TopicParser(config.mqttTopicPrefix).filter, config.mqttSharedGroup),
      `${config.mqttTopicPrefix}/+/+`,
    );
    connection.useSessionKeeper(this);
  }

  /**
   * Adds filters to the session (or changes their QoS). A filter that overlaps another subscription is refused:
   * the broker would deliver each matching message once per subscription.
   */
  subscribe(filters: readonly string[], qos: SubscriptionQos): Promise<void> {
    return this.connection.runExclusive(() => this.subscribeNow(filters, qos));
  }

  /** Removes dynamic filters from the session. */
  unsubscribe(filters: readonly string[]): Promise<void> {
    return this.connection.runExclusive(() => this.unsubscribeNow(filters));
  }

  async prepare(clientId: string): Promise<void> {
    let stored: StoredSubscription[];
    try {
      stored = await this.store.list(clientId);
    } catch (err) {
      this.set.load([]);
      this.logger.error(`Cannot read the stored MQTT subscriptions of '${clientId}': ${errorText(err)}`);
      return;
    }
    this.set.load(stored);
    if (this.set.stale.length > 0) {
      this.logger.warn(
        `Unsubscribing '${this.set.stale.join("', '")}' on connect: the configuration no longer wants it`,
      );
    }
  }

  /** Subscribes the whole wanted set on every connect: a broker that lost the session gets it back. */
  async restore(client: MqttClient, clientId: string, isCurrent: () => boolean): Promise<string | undefined> {
    let problem: string | undefined;
    try {
      const results = await this.subscribeOn(client, this.set.all());
      if (!isCurrent()) return undefined;
      for (const r of results.filter((x) => !x.ok)) {
        problem = `the broker refused the subscription '${r.filter}' (reason code ${r.code})`;
        this.logger.error(`MQTT: ${problem}`);
      }
      if (this.set.stale.length > 0) {
        const stale = [...this.set.stale];
        await client.unsubscribeAsync(stale);
        this.set.clearStale();
        await this.record(() => this.store.remove(clientId, stale));
      }
    } catch (err) {
      if (!isCurrent()) return undefined;
      problem = `subscribing failed: ${errorText(err)}`;
      this.logger.error(`MQTT: ${problem}`);
    }
    await this.record(() =>
      this.store.save(clientId, [{ filter: this.set.configuredFilter, qos: 1, configured: true }]),
    );
    return problem;
  }

  connectionDown(): void {
    this.set.connectionDown();
  }

  subscribedTopics(connected: boolean): string[] {
    return this.set.subscribedTopics(connected);
  }

  states(connected: boolean): SubscriptionState[] {
    return this.set.states(connected);
  }

  private async subscribeNow(filters: readonly string[], qos: SubscriptionQos): Promise<void> {
    const client = this.connection.requireConnected();
    const fresh = [...new Set(filters)];
    const refusal = this.set.refusalToAdd(fresh);
    if (refusal) throw toHttp(refusal);
    const clientId = this.connection.clientId;
    const subscriptions: StoredSubscription[] = fresh.map((filter) => ({ filter, qos, configured: false }));
    // Recorded first: a crash after the broker's SUBACK still leaves the backend knowing what its session holds.
    if (!(await this.record(() => this.store.save(clientId, subscriptions)))) {
      throw new ServiceUnavailableException('The database is unavailable: the subscription cannot be recorded');
    }
    let results: SubackResult[];
    try {
      results = await this.subscribeOn(client, subscriptions);
    } catch (err) {
      // Recorded and wanted: the next connect subscribes them, whatever the broker made of this attempt.
      for (const s of subscriptions) this.set.want(s.filter, qos);
      throw new ServiceUnavailableException(
        `Subscribing failed (${errorText(err)}); the filters are kept and subscribed on reconnect`,
      );
    }
    const refused = results.filter((r) => !r.ok);
    for (const s of subscriptions) {
      if (!refused.some((r) => r.filter === s.filter)) this.set.want(s.filter, qos);
    }
    if (refused.length > 0) {
      await this.record(() =>
        this.store.remove(
          clientId,
          refused.map((r) => r.filter),
        ),
      );
      throw new BadGatewayException(
        `The broker refused ${refused.map((r) => `'${r.filter}' (reason code ${r.code})`).join(', ')}`,
      );
    }
  }

  private async unsubscribeNow(filters: readonly string[]): Promise<void> {
    const client = this.connection.requireConnected();
    const gone = [...new Set(filters)];
    const refusal = this.set.refusalToRemove(gone);
    if (refusal) throw toHttp(refusal);
    const clientId = this.connection.clientId;
    try {
      await client.unsubscribeAsync(gone);
    } catch (err) {
      throw new ServiceUnavailableException(`Unsubscribing failed: ${errorText(err)}`);
    }
    for (const filter of gone) this.set.drop(filter);
    await this.record(() => this.store.remove(clientId, gone));
  }

  /**
   * Keeps the stored copy of the session in step. A database outage must not cost the broker connection: the
   * broker holds the truth; at worst a restart resubscribes a filter, or keeps one it should have dropped.
   */
  private async record(write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (err) {
      this.errorLog.warn('subscription-store', `Cannot record MQTT subscriptions in the database: ${errorText(err)}`);
      return false;
    }
  }

  /** SUBSCRIBE, one packet per QoS, and the broker's verdict on each filter. */
  private async subscribeOn(client: MqttClient, subscriptions: readonly StoredSubscription[]): Promise<SubackResult[]> {
    const results: SubackResult[] = [];
    for (const qos of [0, 1] as const) {
      const filters = subscriptions.filter((s) => s.qos === qos).map((s) => s.filter);
      if (filters.length === 0) continue;
      const codes = await new Promise<number[]>((resolve, reject) => {
        client.subscribe(filters, { qos }, (err, _granted, packet) => {
          // A refusal of some filters fails the whole call, but the SUBACK still says which.
          if (packet?.granted.length === filters.length) resolve(packet.granted as number[]);
          else reject(err ?? new Error('no SUBACK from the broker'));
        });
      });
      filters.forEach((filter, i) => {
        const ok = (codes[i] & 0x80) === 0;
        if (ok) this.set.confirm(filter);
        results.push({ filter, ok, code: codes[i] });
      });
    }
    return results;
  }
}
