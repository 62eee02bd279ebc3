import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { createAdapter } from '@socket.io/redis-adapter';
import type { createClient } from 'redis';
import type { Server } from 'socket.io';
import { ClusterTransport } from '../common/cluster/cluster-transport.js';
import { lazyRequire } from '../common/lazy/lazy-require.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import { AppConfig } from '../config/app-config.js';
import { ClusterPeers, type InstanceReport, type WatchAnnouncement } from './cluster-peers.registry.js';
import { ClusterReadingsCodec } from './cluster-readings.codec.js';
import type { OutgoingUnitReadings, RemoteUnitReadings } from './live-reading.js';

/** What this service needs of a Redis connection after handing it to the adapter. */
interface RedisConnection {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  close(): Promise<void>;
}
type AdapterFactory = ReturnType<typeof createAdapter>;

/** Loaded when REDIS_URL is set: a single instance, the default, never uses them (the client is some 500 modules). */
const redis = lazyRequire<{ createClient: typeof createClient }>('redis');
const redisAdapter = lazyRequire<{ createAdapter: typeof createAdapter }>('@socket.io/redis-adapter');

/** Instance-to-instance event patterns (ClusterTransport); clients never see them. */
const READINGS_EVENT = 'scada.readings';
const STATS_EVENT = 'scada.instance_stats';
/** How often each instance tells the others how many clients it holds and which units its rooms watch. */
const STATS_INTERVAL_MS = 2000;
/** Least time between two reports when what an instance watches keeps changing (clients joining rooms). */
const MIN_REPORT_GAP_MS = 100;
const UNIT_ROOM_PREFIX = 'unit:';
/** The report's name in the SchedulerRegistry. */
const STATS_JOB = 'cluster-stats';
/** A peer that has not reported for this long is counted as gone. */
const PEER_EXPIRY_MS = 3 * STATS_INTERVAL_MS;

/**
 * Scale-out over Redis (REDIS_URL): installs the Socket.IO Redis adapter, so broadcasts (unit_status, system_alert)
 * and room operations reach every instance, and carries the live readings between instances as one event per
 * fan-out batch over @nestjs/microservices' Redis transport (ClusterTransport). Readings do not go through the
 * adapter's broadcast on purpose: the receiving instance must see them to apply its slow-client policy to its own
 * clients (a remote broadcast is written straight into the sockets).
 *
 * Redis carries only what is watched. Each instance reports every 2 s, and at once (at most every 100 ms) when its
 * unit rooms change, its client count and the units its rooms have members for (ClusterPeers); a publishing
 * instance sends a peer only the readings of units in the union of those sets, in a compact columnar form
 * (ClusterReadingsCodec), and nothing when no peer watches anything. The price: readings of a unit processed
 * between a first subscription on a peer and the arrival of that peer's report are not sent to it (the answer's
 * `latest` covers the unit up to the subscription). The client counts give a cluster-wide connected_clients
 * without asking every instance for its sockets.
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
  private readonly peers: ClusterPeers;
  private readonly codec = new ClusterReadingsCodec();
  /** Units whose room has members on this instance, kept by the adapter's create-room / delete-room events. */
  private readonly watched = new Set<string>();
  private reportTimer?: NodeJS.Timeout;
  private lastReportAt = -Infinity;
  private readingsHandler?: (units: RemoteUnitReadings[]) => void;
  private localClients: () => number = () => 0;
  publishErrors = 0;
  readingMessagesOut = 0;
  readingMessagesIn = 0;
  malformedMessagesIn = 0;
  /** Readings sent to the other instances. */
  readingsPublished = 0;
  /** Readings of this instance's fan-out not sent to the others because no peer watches their unit. */
  readingsSkipped = 0;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly transport: ClusterTransport,
    private readonly jobs: PeriodicJobs,
  ) {
    this.peers = new ClusterPeers(this.instanceId, config.maxUnits, PEER_EXPIRY_MS);
  }

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
    const pub = redis().createClient({ url, disableOfflineQueue: true });
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
    return redisAdapter().createAdapter(pub, sub, { publishOnSpecificResponseChannel: true });
  }

  /** Starts listening to the other instances, if any (called once the Socket.IO server exists). */
  attach(server: Server, localClients: () => number): void {
    this.localClients = localClients;
    if (!this.enabled) return;
    this.server = server;
    const adapter = server.of('/').adapter;
    for (const room of adapter.rooms.keys()) this.roomCreated(room);
    adapter.on('create-room', (room: string) => this.roomCreated(room));
    adapter.on('delete-room', (room: string) => this.roomDeleted(room));
    this.transport.on(READINGS_EVENT, (batch) => this.receiveReadings(batch));
    this.transport.on(STATS_EVENT, (stats) => this.receiveStats(stats));
    this.transport.start(this.config.redisUrl!, this.instanceId);
    this.jobs.every(STATS_JOB, STATS_INTERVAL_MS, () => this.reportStats());
  }

  onReadings(handler: (units: RemoteUnitReadings[]) => void): void {
    this.readingsHandler = handler;
  }

  /** Whether some other instance's rooms watch this unit (so its readings must be published). */
  peerWatches(unitId: string): boolean {
    return this.server !== undefined && this.peers.watches(unitId);
  }

  /** Whether readings go to other instances at all: Redis on and linked. */
  get linked(): boolean {
    return this.server !== undefined;
  }

  /**
   * Sends one fan-out batch, already cut to the units peers watch, to the other instances (nothing when Redis is
   * off or down).
   */
  publishReadings(units: readonly OutgoingUnitReadings[]): void {
    if (!this.server || units.length === 0) return;
    if (!this.connected) {
      this.publishErrors++;
      return;
    }
    if (this.transport.emit(READINGS_EVENT, this.codec.encode(units))) {
      this.readingMessagesOut++;
      for (const unit of units) this.readingsPublished += unit.readings.length;
    } else this.publishErrors++;
  }

  /** Instances seen (this one included) and the clients they hold between them. */
  cluster(): { instances: number; connected_clients: number } {
    let instances = 1;
    let clients = this.localClients();
    for (const peer of this.peers.list(Date.now())) {
      instances++;
      clients += peer.clients;
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
      readings_published: this.readingsPublished,
      readings_skipped: this.readingsSkipped,
      watched_units: this.watched.size,
      peer_watched_units: this.peers.watchedUnits,
      watch_set_truncations: this.peers.truncated,
      peers: this.peers.list(Date.now()),
    };
  }

  async onModuleDestroy(): Promise<void> {
    this.jobs.stop(STATS_JOB);
    clearTimeout(this.reportTimer);
    for (const client of [this.pub, this.sub]) {
      if (client?.isOpen) await client.close().catch(() => undefined);
    }
  }

  private roomCreated(room: string): void {
    if (!room.startsWith(UNIT_ROOM_PREFIX)) return;
    this.watched.add(room.slice(UNIT_ROOM_PREFIX.length));
    this.scheduleReport();
  }

  private roomDeleted(room: string): void {
    if (!room.startsWith(UNIT_ROOM_PREFIX)) return;
    if (this.watched.delete(room.slice(UNIT_ROOM_PREFIX.length))) this.scheduleReport();
  }

  /**
   * A change of what this instance watches is reported at once, so a new subscription gets its readings within a
   * Redis round trip; many changes in a row (a client joining a hundred rooms) make one report per gap.
   */
  private scheduleReport(): void {
    if (this.reportTimer !== undefined || this.server === undefined) return;
    const delay = Math.max(0, this.lastReportAt + MIN_REPORT_GAP_MS - Date.now());
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      this.reportStats();
    }, delay);
    this.reportTimer.unref();
  }

  private reportStats(): void {
    // Sent even while Redis is away: a failed emit is counted, and it is what makes the transport try again.
    if (!this.server) return;
    this.lastReportAt = Date.now();
    this.peers.expire(this.lastReportAt);
    // Past what a peer keeps in a list, "every unit" says the same without the bulk.
    const watch: WatchAnnouncement =
      this.watched.size > this.config.maxUnits ? { all: true } : { units: [...this.watched] };
    const report: InstanceReport = { instance: this.instanceId, clients: this.localClients(), watch };
    this.transport.emit(STATS_EVENT, report);
  }

  // Messages from peers are ours, but they are checked and caught all the same.
  private receiveReadings(batch: unknown): void {
    try {
      const units = this.codec.decode(batch);
      if (units === undefined) {
        this.malformedMessagesIn++;
        return;
      }
      this.readingMessagesIn++;
      this.readingsHandler?.(units);
    } catch (err) {
      this.throttled.error('redis-readings', `Delivering readings from another instance failed: ${String(err)}`);
    }
  }

  private receiveStats(stats: unknown): void {
    if (this.peers.accept(stats, Date.now()) === 'malformed') this.malformedMessagesIn++;
  }
}
