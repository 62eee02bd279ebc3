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

declare module '../common/bus/event-map.js' {
  interface ReadingSources {
    mqtt: true;
  }
  interface EventMap {
    'mqtt.connection_changed': ConnectionChange;
  }
}
