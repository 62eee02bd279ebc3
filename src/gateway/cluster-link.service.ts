import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Server } from 'socket.io';
import { ClusterTransport } from '../common/cluster/cluster-transport.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import { AppConfig } from '../config/app-config.js';
import type { SensorDataEvent } from './live-reading.js';

/** What this service needs of a Redis connection after handing it to the adapter. */
interface RedisConnection {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  close(): Promise<void>;
}
type AdapterFactory = ReturnType<typeof createAdapter>;

/** Instance-to-instance event patterns (ClusterTransport); clients never see them. */
const READINGS_EVENT = 'scada.readings';
const STATS_EVENT = 'scada.instance_stats';
/** How often each instance tells the others how many clients it holds. */
const STATS_INTERVAL_MS = 2000;
/** The report's name in the SchedulerRegistry. */
const STATS_JOB = 'cluster-stats';
/** A peer that has not reported for this long is counted as gone. */
const PEER_EXPIRY_MS = 3 * STATS_INTERVAL_MS;

interface InstanceStats {
  instance: string;
  clients: number;
}

/**
 * Scale-out over Redis (REDIS_URL): installs the Socket.IO Redis adapter, so broadcasts (unit_status, system_alert)
 * and room operations reach every instance, and carries the live readings between instances as one event per
 * fan-out batch over @nestjs/microservices' Redis transport (ClusterTransport). Readings do not go through the adapter's broadcast on purpose: the receiving instance
 * must see them to apply its slow-client policy to its own clients (a remote broadcast is written straight into
 * the sockets). Each instance also reports its client count every 2 s, which gives a cluster-wide
 * connected_clients without asking every instance for its sockets.
 *
 * A Redis outage never stops an instance: its own clients keep getting what it ingests; what other instances
 * publish meanwhile does not reach them (counted as publish errors), and the clients reconnect to Redis by
 * themselves.
 */
@Injectable()
export class ClusterLink implements OnModuleDestroy {
  private readonly logger = new Logger(ClusterLink.name);
  private readonly throttled = new ThrottledLogger(this.logger);
  readonly instanceId = randomUUID().slice(0, 8);
  private pub?: RedisConnection;
  private sub?: RedisConnection;
  private server?: Server;
  private readonly peers = new Map<string, { clients: number; at: number }>();
  private readingsHandler?: (batches: SensorDataEvent[]) => void;
  private localClients: () => number = () => 0;
  publishErrors = 0;
  readingMessagesOut = 0;
  readingMessagesIn = 0;
  malformedMessagesIn = 0;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly transport: ClusterTransport,
    private readonly jobs: PeriodicJobs,
  ) {}

  get enabled(): boolean {
    return this.config.redisUrl !== undefined;
  }

  /** Whether publishing to Redis works right now (the adapter's connections and the transport's). */
  get connected(): boolean {
    return (this.pub?.isReady ?? false) && (this.sub?.isReady ?? false) && this.transport.connected;
  }

  /**
   * The Redis adapter, with its two connections opening in the background (the server is built synchronously and
   * must not wait for Redis: an instance starts and serves its own clients while Redis is away).
   */
  adapter(): AdapterFactory | undefined {
    const url = this.config.redisUrl;
    if (url === undefined) return undefined;
    // No offline queue for publishing: while Redis is down, readings would pile up in memory and arrive late.
    const pub = createClient({ url, disableOfflineQueue: true });
    // The subscriber keeps its queue: its (re)subscriptions must go out once connected.
    const sub = pub.duplicate({ disableOfflineQueue: false });
    for (const [name, client] of [
      ['publisher', pub],
      ['subscriber', sub],
    ] as const) {
      client.on('error', (err: Error) => this.throttled.error(`redis-${name}`, `Redis ${name}: ${err.message}`));
      client.on('ready', () => this.logger.log(`Redis ${name} connected`));
      client.connect().catch((err: Error) => this.throttled.error(`redis-${name}`, `Redis ${name}: ${err.message}`));
    }
    // The adapter publishes without waiting for the answer; a publish refused while Redis is down would become an
    // unhandled rejection, which ends the process. Counted instead.
    const publish = pub.publish.bind(pub);
    (pub as unknown as { publish: (channel: string, message: string | Buffer) => Promise<number> }).publish = (
      channel,
      message,
    ) =>
      publish(channel, message).catch((err: unknown) => {
        this.publishErrors++;
        this.throttled.warn(
          'redis-publish',
          `Redis publish failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        return 0;
      });
    this.pub = pub;
    this.sub = sub;
    return createAdapter(pub, sub, { publishOnSpecificResponseChannel: true });
  }

  /** Starts listening to the other instances, if any (called once the Socket.IO server exists). */
  attach(server: Server, localClients: () => number): void {
    this.localClients = localClients;
    if (!this.enabled) return;
    this.server = server;
    this.transport.on(READINGS_EVENT, (batches) => this.receiveReadings(batches));
    this.transport.on(STATS_EVENT, (stats) => this.receiveStats(stats));
    this.transport.start(this.config.redisUrl!, this.instanceId);
    this.jobs.every(STATS_JOB, STATS_INTERVAL_MS, () => this.reportStats());
  }

  onReadings(handler: (batches: SensorDataEvent[]) => void): void {
    this.readingsHandler = handler;
  }

  /** Sends one fan-out batch to the other instances (nothing when Redis is off or down). */
  publishReadings(batches: SensorDataEvent[]): void {
    if (!this.server || batches.length === 0) return;
    if (!this.connected) {
      this.publishErrors++;
      return;
    }
    if (this.transport.emit(READINGS_EVENT, batches)) this.readingMessagesOut++;
    else this.publishErrors++;
  }

  /** Instances seen (this one included) and the clients they hold between them. */
  cluster(): { instances: number; connected_clients: number } {
    const now = Date.now();
    let instances = 1;
    let clients = this.localClients();
    for (const [id, peer] of this.peers) {
      if (now - peer.at > PEER_EXPIRY_MS) this.peers.delete(id);
      else {
        instances++;
        clients += peer.clients;
      }
    }
    return { instances, connected_clients: clients };
  }

  snapshot() {
    return {
      enabled: this.enabled,
      connected: this.connected,
      instance_id: this.instanceId,
      ...this.cluster(),
      reading_messages_out: this.readingMessagesOut,
      reading_messages_in: this.readingMessagesIn,
      malformed_messages_in: this.malformedMessagesIn,
      publish_errors: this.publishErrors + this.transport.emitErrors,
    };
  }

  async onModuleDestroy(): Promise<void> {
    this.jobs.stop(STATS_JOB);
    for (const client of [this.pub, this.sub]) {
      if (client?.isOpen) await client.close().catch(() => undefined);
    }
  }

  private reportStats(): void {
    // Sent even while Redis is away: a failed emit is counted, and it is what makes the transport try again.
    if (!this.server) return;
    const stats: InstanceStats = { instance: this.instanceId, clients: this.localClients() };
    this.transport.emit(STATS_EVENT, stats);
  }

  // Messages from peers are ours, but they are checked and caught all the same.
  private receiveReadings(batches: unknown): void {
    try {
      if (!Array.isArray(batches) || !batches.every(isSensorDataEvent)) {
        this.malformedMessagesIn++;
        return;
      }
      this.readingMessagesIn++;
      this.readingsHandler?.(batches);
    } catch (err) {
      this.throttled.error('redis-readings', `Delivering readings from another instance failed: ${String(err)}`);
    }
  }

  private receiveStats(stats: unknown): void {
    const s = stats as Partial<InstanceStats> | null;
    if (typeof s?.instance !== 'string' || typeof s.clients !== 'number' || s.instance === this.instanceId) return;
    this.peers.set(s.instance, { clients: s.clients, at: Date.now() });
  }
}

function isSensorDataEvent(value: unknown): value is SensorDataEvent {
  const v = value as Partial<SensorDataEvent> | null;
  return typeof v?.unit_id === 'string' && Array.isArray(v.readings);
}
