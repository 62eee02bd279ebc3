import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { AppConfig } from '../config/app-config.js';
import { ClusterLink } from './cluster-link.service.js';
import { RecoveryAdapter } from './recovery.adapter.js';

/**
 * Whether a Socket.IO request may proceed by its Origin: clients that send none (services, scripts, HMIs outside
 * a browser) always may; browsers only from the backend's own origin or a listed one.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: string[] | '*'): boolean {
  if (origin === undefined || allowed === '*') return true;
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** What a message handler answers: an event to emit back, or the acknowledgement's body. */
type HandlerResponse = { event?: string; data?: unknown } | null | undefined;

/**
 * Socket.IO server options from the validated configuration (decorator options are static), and the Redis adapter
 * when REDIS_URL is set. Message handlers are bound with plain listeners (see bindMessageHandlers).
 */
export class ConfiguredIoAdapter extends IoAdapter {
  constructor(private readonly app: INestApplicationContext) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const config = this.app.get(AppConfig);
    const allowed = config.websocketCorsOrigins;
    const redisAdapter = this.app.get(ClusterLink).adapter();
    // The in-memory adapter keeps sessions and missed packets for recovery; the Redis pub/sub adapter cannot.
    const recovery = redisAdapter === undefined && config.websocketRecoveryWindowMs > 0;
    const server = super.createIOServer(port, {
      path: '/socket.io',
      ...options,
      cors: { origin: allowed === '*' ? true : allowed },
      // CORS binds only browsers on the polling transport; this refuses a page of another origin on any transport.
      allowRequest: (req, callback) => callback(null, originAllowed(req.headers.origin, req.headers.host, allowed)),
      pingTimeout: config.websocketPingTimeout,
      pingInterval: config.websocketPingInterval,
      // Clients send only small control events; a large frame is a mistake or an attack, and closes the connection.
      maxHttpBufferSize: config.websocketMaxMessageBytes,
      ...(recovery
        ? {
            connectionStateRecovery: {
              maxDisconnectionDuration: config.websocketRecoveryWindowMs,
              // A recovered connection passes the handshake checks (authentication) again.
              skipMiddlewares: false,
            },
            // Keeps the missed broadcasts compactly, and for the window, not for up to a minute past it.
            adapter: RecoveryAdapter,
          }
        : {}),
      ...(redisAdapter ? { adapter: redisAdapter } : {}),
    } as ServerOptions);
    return server;
  }

  /**
   * Binds the gateway's @SubscribeMessage handlers to a new socket with one plain listener each. Nest's own binding
   * keeps an RxJS pipeline per handler per socket for the socket's whole life: dozens of subscribers and closures,
   * about 9 of the 30 KB of heap a connection cost (heap snapshots before and after 2,000 clients connected).
   * Client events are rare, so here the pipeline is made per event, while it runs. Same behaviour as Nest's: the
   * handler's (guarded, piped, filtered) result is awaited; `{ event, data }` is emitted back, anything else
   * non-null answers the acknowledgement unless the handler takes the ack itself; a failure is logged and the
   * socket's other events go on. Once a socket has disconnected Socket.IO delivers it no events, and drops what a
   * late answer would write.
   */
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        // As rxjs' fromEvent hands them on: the one argument, or all of them when there are several.
        const { data, ack } = this.mapPayload(args.length === 1 ? args[0] : args) as { data: unknown; ack: unknown };
        const answer = (response: HandlerResponse): void => {
          if (response === null || response === undefined) return;
          if (response.event) socket.emit(response.event, response.data);
          else if (!isAckHandledManually && typeof ack === 'function') (ack as (r: unknown) => void)(response);
        };
        try {
          transform(callback(data, ack)).subscribe({
            next: (response) => answer(response as HandlerResponse),
            error: (err: unknown) => this.logger.error(err),
          });
        } catch (err) {
          this.logger.error(err);
        }
      });
    }
  }
}
