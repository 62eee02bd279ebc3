import { createServer, type Server, type Socket } from 'node:net';
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

/**
 * Makes everything aedes writes to the socket in one turn of the event loop go out in one system call. aedes sends
 * each packet from a setImmediate of its own (a delivery, the PUBACK of a publish), and mqtt-packet flushes on
 * the next tick, so in a flood each message cost the backend a write to its own client and one to the publisher's.
 * The socket stays corked until the next turn's immediates: latency grows by at most one loop iteration, and
 * back-pressure is unchanged (a write past the high-water mark still returns false, and 'drain' follows the flush).
 */
function coalesceWrites(socket: Socket): Socket {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const flush = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = (...args: unknown[]): boolean => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    return write(...args);
  };
  return socket;
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
    const server = createServer((socket) => broker.handle(coalesceWrites(socket)));
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
