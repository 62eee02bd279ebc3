import type { EnvVarSpec } from '../config/env-var.js';

/**
 * The MQTT connection's environment variables: broker, credentials, session, intake bounds, reconnects, TLS, the
 * embedded broker's anonymous access.
 * Assembled into the one validated schema by src/config/env.schema.ts (where they stand in .env.example and
 * docs/configuration.md); AppConfig reads them into its typed fields.
 */
// prettier-ignore
export const MQTT_ENV = {
  MQTT_BROKER_HOST: { kind: 'string', description: 'External MQTT broker host. Unset: an in-process broker listens on 127.0.0.1:MQTT_BROKER_PORT.' },
  MQTT_BROKER_PORT: { kind: 'int', default: '1883', min: 0, max: 65535, description: 'MQTT broker port (the embedded broker listens here; 0 picks a free port).' },
  MQTT_USERNAME: { kind: 'string', description: 'MQTT username.' },
  MQTT_PASSWORD: { kind: 'string', secret: true, description: 'MQTT password.' },
  MQTT_CLIENT_ID: { kind: 'string', default: 'thermacore_backend', description: 'MQTT client id; the broker keeps this persistent session across restarts.' },
  MQTT_KEEPALIVE: { kind: 'int', default: '60', min: 0, max: 65535, description: 'MQTT keepalive in seconds.' },
  MQTT_TOPIC_PREFIX: { kind: 'string', default: 'scada', description: 'First topic level: readings arrive on {prefix}/{unit_id}/{sensor_type}.' },
  MQTT_PROTOCOL_VERSION: { kind: 'enum', default: '5', values: ['4', '5'], description: 'MQTT protocol: 5 (MQTT 5, large Receive Maximum) or 4 (3.1.1). The embedded broker speaks 3.1.1.' },
  MQTT_RECEIVE_MAXIMUM: { kind: 'int', default: '20000', min: 1, max: 65535, description: 'MQTT 5 Receive Maximum: QoS 1 messages the broker may have in flight to us while their PUBACKs wait for the commit (the broker enforces it; MQTT_MAX_PENDING_ACKS applies too).' },
  MQTT_MAX_PENDING_ACKS: { kind: 'int', default: '20000', min: 1, max: 1000000, description: 'QoS 1 messages taken in and waiting for their commit (PUBACK held) before the backend stops reading from the broker; it reads again once half of them are committed. Bounds memory under every broker and protocol version; keep it at several times WRITER_MAX_ROWS so writes stay pipelined.' },
  MQTT_SESSION_EXPIRY: { kind: 'int', default: '86400', min: 0, description: 'MQTT 5 session expiry in seconds: how long the broker keeps unacknowledged readings while the backend is down.' },
  MQTT_MAX_PACKET_SIZE: { kind: 'int', default: '262144', min: 1024, max: 268435455, description: 'Largest MQTT packet (bytes) the backend accepts from an MQTT 5 broker (Maximum Packet Size: the broker drops larger ones for it). MQTT 3.1.1 and the embedded broker have no such field: the broker\'s own limit applies.' },
  MQTT_RECONNECT_MIN_MS: { kind: 'int', default: '1000', min: 100, max: 600000, description: 'First reconnect delay after the broker connection is lost; it doubles with each failed attempt, minus up to 50% random jitter.' },
  MQTT_RECONNECT_MAX_MS: { kind: 'int', default: '30000', min: 100, max: 3600000, description: 'Longest delay between two reconnect attempts (the cap of the exponential backoff).' },
  MQTT_SHARED_GROUP: { kind: 'string', description: 'Shared-subscription group: instances with the same group split the stream ($share/<group>/<prefix>/#), each message going to one of them. Needs an external broker.' },
  MQTT_TLS: { kind: 'bool', default: 'false', description: 'Connect to the broker over TLS (mqtts://); MQTT_BROKER_PORT is then usually 8883. Needs an external broker.' },
  MQTT_TLS_CA_FILE: { kind: 'string', description: 'PEM file with the CA certificate(s) the broker certificate must chain to. Unset: the system CAs.' },
  MQTT_TLS_CERT_FILE: { kind: 'string', description: 'PEM client certificate, for brokers that authenticate clients by certificate (with MQTT_TLS_KEY_FILE).' },
  MQTT_TLS_KEY_FILE: { kind: 'string', description: 'PEM private key of MQTT_TLS_CERT_FILE. Its content is never logged.' },
  MQTT_ALLOW_ANONYMOUS: { kind: 'bool', default: 'false', description: "Let clients without a user name into the embedded broker, with the backend's rights (publish anything, subscribe to the prefix). For a lab bench only: logged loudly at start." },
  MQTT_TLS_REJECT_UNAUTHORIZED: { kind: 'bool', default: 'true', description: 'Verify the broker certificate (chain and host name). false is for test brokers only.' },
} as const satisfies Record<string, EnvVarSpec>;
