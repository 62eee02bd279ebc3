import { join } from 'node:path';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { PlantTick } from './plant-model.js';
import { unitIdOf } from './plant-model.js';
import { OpcuaDemoServer } from './opcua-demo.server.js';

/** The demo server's part of /health. */
export interface OpcuaDemoHealth {
  enabled: boolean;
  running: boolean;
  endpoint_url?: string;
  variables: number;
  last_error?: string;
}

/**
 * Runs the OPC UA demo server when OPCUA_DEMO_SERVER is on: the simulator's units (SIMULATOR_UNITS of them) under
 * Objects/Units, fed by every tick of the running simulator. Off by default: it binds a port (4840, OPC UA's
 * registered one) and its first start creates a certificate, neither of which a backend that reads a real plant
 * wants. A server that cannot start (port taken) is logged and reported, and the backend runs on without it.
 */
@Injectable()
export class OpcuaDemoService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OpcuaDemoService.name);
  private server?: OpcuaDemoServer;
  private lastError?: string;
  private starting?: Promise<void>;

  constructor(private readonly config: AppConfig) {}

  /** Starts in the background: the first start creates a certificate (seconds), which must not delay readiness. */
  onApplicationBootstrap(): void {
    if (this.config.opcuaDemoServer) this.starting = this.start();
  }

  private async start(): Promise<void> {
    const server = new OpcuaDemoServer({
      port: this.config.opcuaDemoServerPort,
      pkiDir: join(this.config.opcuaPkiDir, 'demo-server'),
      unitIds: Array.from({ length: this.config.simulatorUnits }, (_, i) => unitIdOf(i)),
    });
    try {
      await server.start();
      this.server = server;
      this.logger.log(
        `OPC UA demo server on ${server.endpointUrl}: ${server.variableCount} variables under Objects/Units, ` +
          `e.g. ${OpcuaDemoServer.nodeIdOf(unitIdOf(0), 'temperature')}`,
      );
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.logger.error(
        `OPC UA demo server did not start on port ${this.config.opcuaDemoServerPort}: ${this.lastError}`,
      );
      await server.stop().catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.starting;
    await this.server?.stop();
    this.server = undefined;
  }

  /** Called by the simulator with every tick it publishes. */
  publish(tick: PlantTick): void {
    this.server?.update(tick.readings);
  }

  health(): OpcuaDemoHealth {
    return {
      enabled: this.config.opcuaDemoServer,
      running: this.server?.running ?? false,
      endpoint_url: this.server?.endpointUrl,
      variables: this.server?.variableCount ?? 0,
      last_error: this.lastError,
    };
  }
}
