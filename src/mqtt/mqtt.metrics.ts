import type { MetricSample } from '../common/feature/feature.registry.js';
import { counterSample as counter, gaugeSample as gauge } from '../common/feature/metric-samples.js';
import type { MqttSnapshot } from './mqtt-connection.service.js';

const MQTT_STATES = ['connected', 'connecting', 'disconnected'] as const;

/** The MQTT connection's samples for /metrics, from its snapshot. */
export function mqttSamples(s: MqttSnapshot): MetricSample[] {
  return [
    gauge('scada_mqtt_connected', '1 while connected to the MQTT broker', s.connected ? 1 : 0),
    ...MQTT_STATES.map((state) =>
      gauge('scada_mqtt_connection_state', 'MQTT connection state (1 for the current one)', state === s.state ? 1 : 0, {
        state,
      }),
    ),
    counter('scada_mqtt_reconnects_total', 'Reconnect attempts to the MQTT broker', s.reconnects),
    counter('scada_mqtt_messages_received_total', 'MQTT messages taken in, on any subscription', s.messages.received),
    gauge('scada_mqtt_pending_acks', 'QoS 1 PUBACKs held until their readings are committed', s.pendingAcks),
    gauge(
      'scada_mqtt_intake_paused',
      '1 while the backend has stopped reading from the broker because MQTT_MAX_PENDING_ACKS readings wait for their commit',
      s.intakePaused ? 1 : 0,
    ),
    counter(
      'scada_mqtt_intake_pauses_total',
      'Times MQTT intake paused for held PUBACKs (back-pressure)',
      s.intakePauses,
    ),
    gauge(
      'scada_mqtt_subscriptions_active',
      'Subscriptions confirmed by the broker on this connection',
      s.subscribedTopics.length,
    ),
  ];
}
