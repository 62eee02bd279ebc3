import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../config/app-config.js';
import { ClusterLink } from './cluster-link.service.js';
import { PromptlyPrunedSessionAdapter } from './recovery.adapter.js';

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

/**
 * Socket.IO server options from the validated configuration (decorator options are static), and the Redis adapter
 * when REDIS_URL is set.
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
            // Keeps the missed broadcasts for the window, not for up to a minute past it.
            adapter: PromptlyPrunedSessionAdapter,
          }
        : {}),
      ...(redisAdapter ? { adapter: redisAdapter } : {}),
    } as ServerOptions);
    return server;
  }
}
