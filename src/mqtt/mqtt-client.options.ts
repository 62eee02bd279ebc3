import type { IClientOptions } from 'mqtt';

/** Where and as whom to connect: the configuration, with any overrides of POST /connect applied. */
export interface BrokerSettings {
  host: string;
  port: number;
  /** The in-process broker (MQTT 3.1.1 only, no TLS). */
  embedded: boolean;
  tls: boolean;
  username?: string;
  /** Secret: never logged, never returned. */
  password?: string;
  clientId: string;
  keepalive: number;
}

/** TLS material, read from the files named by MQTT_TLS_* (never from an API request). */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
}

export interface SessionTuning {
  protocolVersion: 4 | 5;
  /** MQTT 5 only: how long the broker keeps the session (and what we have not acknowledged) while we are away. */
  sessionExpiry: number;
  /** MQTT 5 only: QoS 1 messages in flight to us while their PUBACKs wait for the commit. */
  receiveMaximum: number;
  /**
   * MQTT 5 only: the largest packet (bytes) the broker may send us; it drops larger ones for us, and mqtt.js closes
   * a connection whose broker sends one anyway. MQTT 3.1.1 has no such field: the broker's own limit applies.
   */
  maxPacketSize: number;
  /** First reconnect delay; MqttConnectionService adjusts it before every later attempt. */
  reconnectPeriod: number;
}

/**
 * mqtt.js options for the backend's ingest client: a persistent session (clean start off), subscriptions
 * managed by us rather than by mqtt.js (`resubscribe: false`: they outlive a client object), and reconnects that
 * carry on after a refused CONNACK, which is also what lets the MQTT 5 → 3.1.1 fallback take its second attempt.
 */
export function clientOptions(broker: BrokerSettings, session: SessionTuning, tls?: TlsMaterial): IClientOptions {
  const v5 = session.protocolVersion === 5;
  return {
    host: broker.host,
    port: broker.port,
    protocol: broker.tls ? 'mqtts' : 'mqtt',
    ...(broker.tls && tls
      ? { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized }
      : {}),
    clientId: broker.clientId,
    username: broker.username,
    password: broker.password,
    keepalive: broker.keepalive,
    clean: false,
    protocolVersion: session.protocolVersion,
    properties: v5
      ? {
          sessionExpiryInterval: session.sessionExpiry,
          receiveMaximum: session.receiveMaximum,
          maximumPacketSize: session.maxPacketSize,
        }
      : undefined,
    reconnectPeriod: session.reconnectPeriod,
    reconnectOnConnackError: true,
    connectTimeout: 10_000,
    resubscribe: false,
  };
}
