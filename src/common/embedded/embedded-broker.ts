import { createServer, type Server } from 'node:net';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import { embeddedPersistence } from './embedded-persistence.js';
import { listenOrExplain } from './listen.js';

/**
 * An in-process MQTT 3.1.1 broker (aedes) on a real TCP port, so the backend connects to it like to any broker
 * and outside clients (mosquitto_pub, gateways) can publish to it. Sessions live in memory only: this is the
 * zero-install default, not a production broker. Who may connect, publish and subscribe is the `gate`'s call
 * (src/devices/broker-gate.ts in the application); without one the broker is open, for tests and benchmarks.
 */
/** Authentication and authorisation of the embedded broker's clients. */
export interface EmbeddedBrokerGate {
  handlers(): Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>;
  /** A client has disconnected. */
  forget(client: Client): void;
}

export class EmbeddedBroker {
  private constructor(
    private readonly broker: Aedes,
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(host: string, port: number, gate?: EmbeddedBrokerGate): Promise<EmbeddedBroker> {
    const broker = await Aedes.createBroker({ ...gate?.handlers(), persistence: embeddedPersistence() });
    if (gate !== undefined) broker.on('clientDisconnect', (client) => gate.forget(client));
    const server = createServer((socket) => broker.handle(socket));
    try {
      const bound = await listenOrExplain(
        server,
        host,
        port,
        'the embedded MQTT broker',
        'Is another MQTT broker running? Set MQTT_BROKER_PORT to a free port, or MQTT_BROKER_HOST to use that broker.',
      );
      return new EmbeddedBroker(broker, server, bound);
    } catch (err) {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      throw err;
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
