/** State of the MQTT connection: `connecting` covers the first attempt and every retry after a loss. */
export type MqttConnectionState = 'connected' | 'connecting' | 'disconnected';

export interface ConnectionChange {
  connected: boolean;
  /** `disconnected` only after an explicit disconnect (or shutdown): no reconnect is scheduled. */
  state: MqttConnectionState;
  /** `host:port` of the broker. */
  broker: string;
  /** Human-readable reason for the latest failure, never containing credentials. */
  error?: string;
}

declare module '../pipeline/pipeline-stats.js' {
  /** What only MQTT refuses: topics, raw payloads and unit status messages (the reading rules are shared). */
  interface RejectReasons {
    topic_invalid: true;
    payload_empty: true;
    payload_too_large: true;
    payload_invalid_json: true;
    payload_not_object: true;
    status_missing: true;
    status_unknown: true;
  }
}

/** A message on `{prefix}/{unit_id}/{sensor_type}/set/ack`, as it came: the command feature parses it. */
export interface CommandAckMessage {
  unitId: string;
  sensorType: string;
  payload: Buffer;
}

declare module '../common/bus/event-map.js' {
  interface ReadingSources {
    mqtt: true;
  }
  interface EventMap {
    'mqtt.connection_changed': ConnectionChange;
    /** A device's answer to a command; rare (one per command), so each travels on its own (src/commands). */
    'mqtt.command_ack_received': CommandAckMessage;
  }
}
