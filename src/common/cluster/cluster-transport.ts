import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type * as Microservices from '@nestjs/microservices';
import type { ClientRedis, RedisOptions, ServerRedis } from '@nestjs/microservices';
import { ThrottledLogger } from '../logging/throttled-logger.js';

/** ioredis options of a redis:// or rediss:// URL. */
export function redisTransportOptions(url: string): NonNullable<RedisOptions['options']> {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(db === '' ? {} : { db: Number(db) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    // Reconnect for as long as the process runs; an outage must never end the link for good.
    retryAttempts: Number.MAX_SAFE_INTEGER,
    retryDelay: RETRY_MS,
    // No offline queue: while Redis is down, events would pile up in memory and arrive late. They fail, and are counted.
    enableOfflineQueue: false,
  };
}

const RETRY_MS = 2000;

/** A transport status (RedisStatus, a const enum of strings) that says the connection is up. */
function isConnected(status: string): boolean {
  return status === 'connected';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
}

/** An instance-to-instance event: who sent it (an instance ignores its own) and what. */
interface Envelope {
  from: string;
  data: unknown;
}

/**
 * Instance-to-instance events over Redis through @nestjs/microservices' Redis transport, used directly from this
 * provider (the backend is no hybrid application: nothing else of it is a microservice): `ClientRedis.emit` sends an
 * event pattern, a `ServerRedis` of this instance receives every pattern registered with `on`. Every instance
 * receives every event, its own excepted. An outage never stops an instance: an event emitted meanwhile fails and is
 * counted (`emitErrors`), and both sides reconnect by themselves.
 */
@Injectable()
export class ClusterTransport implements OnModuleDestroy {
  private readonly logger = new Logger(ClusterTransport.name);
  private readonly throttled = new ThrottledLogger(this.logger);
  private readonly handlers = new Map<string, (data: unknown) => void>();
  private microservices?: typeof Microservices;
  private client?: ClientRedis;
  private server?: ServerRedis;
  private clientUp = false;
  private serverUp = false;
  private retry?: NodeJS.Timeout;
  private closed = false;
  private lastConnectAt = -Infinity;
  private instance = '';
  emitErrors = 0;

  /** Whether both directions work right now. */
  get connected(): boolean {
    return this.clientUp && this.serverUp;
  }

  /** Registers the handler of an event pattern (before `start`). */
  on(pattern: string, handler: (data: unknown) => void): void {
    this.handlers.set(pattern, handler);
  }

  /**
   * Opens the link as `instance`; returns at once (the connections open in the background). @nestjs/microservices is
   * loaded here, so only with REDIS_URL: a single instance, the default, never uses it, and loaded it holds some 8 MB
   * of heap.
   */
  start(url: string, instance: string): void {
    this.instance = instance;
    const options = redisTransportOptions(url);
    import('@nestjs/microservices').then(
      (microservices) => {
        if (this.closed) return;
        this.microservices = microservices;
        this.client = new microservices.ClientRedis(options);
        this.client.status.subscribe((status) => (this.clientUp = isConnected(status)));
        this.connectClient();
        this.listen(options);
      },
      (err: unknown) => this.throttled.error('redis-client', `Redis: ${messageOf(err)}`),
    );
  }

  /** Sends an event to every other instance; false (and counted) when Redis is not reachable now. */
  emit(pattern: string, data: unknown): boolean {
    if (this.client === undefined) return false;
    if (!this.clientUp) {
      this.emitErrors++;
      this.connectClient();
      return false;
    }
    const envelope: Envelope = { from: this.instance, data };
    this.client.emit(pattern, envelope).subscribe({
      error: (err: unknown) => {
        this.emitErrors++;
        this.throttled.warn('redis-emit', `Redis emit failed: ${messageOf(err)}`);
      },
    });
    return true;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.close().catch(() => undefined);
    await this.server?.close().catch(() => undefined);
  }

  /** At most one connection attempt per RETRY_MS, however many events wait meanwhile. */
  private connectClient(): void {
    if (Date.now() - this.lastConnectAt < RETRY_MS) return;
    this.lastConnectAt = Date.now();
    this.client?.connect().catch((err: unknown) => this.throttled.error('redis-client', `Redis: ${messageOf(err)}`));
  }

  /** ServerRedis subscribes only once its first connection succeeded: a failed start is retried with a new one. */
  private listen(options: NonNullable<RedisOptions['options']>): void {
    if (this.microservices === undefined || this.closed) return;
    const server: ServerRedis = new this.microservices.ServerRedis(options);
    this.server = server;
    for (const [pattern, handler] of this.handlers) {
      server.addHandler(pattern, (message: unknown) => Promise.resolve(this.receive(handler, message)), true);
    }
    server.status.subscribe((status) => (this.serverUp = isConnected(status)));
    void server.listen((err?: unknown) => {
      if (err === undefined || this.closed) return;
      this.throttled.error('redis-server', `Redis: ${messageOf(err)}`);
      void server.close().catch(() => undefined);
      // close() quits only a connected client and stops at the first that is not: end both outright.
      try {
        for (const client of server.unwrap<{ disconnect(): void }[]>()) client.disconnect();
      } catch {
        // not initialized: no client to end
      }
      this.retry = setTimeout(() => this.listen(options), RETRY_MS);
      this.retry.unref();
    });
  }

  // Events from peers are ours, but a handler that throws inside the transport's callback would be logged by Nest
  // without our context: everything is checked and caught.
  private receive(handler: (data: unknown) => void, message: unknown): void {
    const envelope = message as Partial<Envelope> | null;
    if (typeof envelope?.from !== 'string' || envelope.from === this.instance) return;
    try {
      handler(envelope.data);
    } catch (err) {
      this.throttled.error('redis-receive', `Handling an event from another instance failed: ${String(err)}`);
    }
  }
}
