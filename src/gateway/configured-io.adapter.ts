import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../config/app-config.js';

/** Socket.IO server options from the validated configuration (decorator options are static). */
export class ConfiguredIoAdapter extends IoAdapter {
  constructor(private readonly app: INestApplicationContext) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const config = this.app.get(AppConfig);
    return super.createIOServer(port, {
      path: '/socket.io',
      ...options,
      cors: { origin: config.websocketCorsOrigins === '*' ? true : config.websocketCorsOrigins },
      pingTimeout: config.websocketPingTimeout,
      pingInterval: config.websocketPingInterval,
      // Clients send only small control events; a large frame is a mistake or an attack.
      maxHttpBufferSize: 16 * 1024,
    } as ServerOptions);
  }
}
