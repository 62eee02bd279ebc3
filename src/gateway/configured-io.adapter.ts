import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../config/app-config.js';
import { ClusterLink } from './cluster-link.service.js';

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
    const redisAdapter = this.app.get(ClusterLink).adapter();
    // The in-memory adapter keeps sessions and missed packets for recovery; the Redis pub/sub adapter cannot.
    const recovery = redisAdapter === undefined && config.websocketRecoveryWindowMs > 0;
    const server = super.createIOServer(port, {
      path: '/socket.io',
      ...options,
      cors: { origin: config.websocketCorsOrigins === '*' ? true : config.websocketCorsOrigins },
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
          }
        : {}),
      ...(redisAdapter ? { adapter: redisAdapter } : {}),
    } as ServerOptions);
    return server;
  }
}
