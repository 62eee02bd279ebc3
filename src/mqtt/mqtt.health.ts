import type { HealthIndicator } from '../common/feature/health-indicator.js';
import type { MqttSnapshot } from './mqtt-connection.service.js';
import { toMqttStatusResponse } from './mqtt.dto.js';

/**
 * MQTT's sections of /health and /api/v1/scada/status, read from the connection's snapshot at each request. MQTT is
 * how readings come in: while disconnected it degrades /health and fails /health/ready.
 */
export function mqttHealthIndicator(snapshot: () => MqttSnapshot): HealthIndicator {
  return {
    name: 'mqtt',
    positions: { summary: 10, status: 10 },
    healthy: () => snapshot().connected,
    ready() {
      const s = snapshot();
      return s.connected
        ? { up: true }
        : { up: false, details: { state: s.state, message: s.lastError ?? 'not connected' } };
    },
    summary() {
      const s = snapshot();
      return {
        connected: s.connected,
        state: s.state,
        broker_host: s.broker.host,
        subscribed_topics: s.subscribedTopics,
        reconnects: s.reconnects,
        pending_acks: s.pendingAcks,
        intake_paused: s.intakePaused,
        last_error: s.lastError,
      };
    },
    status: () => ({ ...toMqttStatusResponse(snapshot()) }),
  };
}
