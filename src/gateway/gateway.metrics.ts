import type { MetricSample } from '../common/feature/feature.registry.js';
import { counterSample as counter, gaugeSample as gauge } from '../common/feature/metric-samples.js';
import type { GatewayStatus } from './gateway-status.service.js';

type GatewaySnapshot = ReturnType<GatewayStatus['snapshot']>;

/** The Socket.IO side's samples for /metrics (this instance's clients and rooms, the cluster link's counters). */
export function gatewaySamples(s: GatewaySnapshot): MetricSample[] {
  const sent =
    'Socket.IO events sent, by event (sensor_data per room, unit_status per room, system_alert per broadcast)';
  const rejected = 'Client events refused, by reason';
  const disconnects = 'Clients disconnected by the server, by cause';
  return [
    gauge('scada_socketio_clients', 'Connected Socket.IO clients (this instance)', s.connected_clients),
    gauge('scada_socketio_unit_rooms', 'Unit rooms with members on this instance', s.unit_rooms),
    gauge('scada_socketio_subscriptions', 'Unit room memberships on this instance', s.subscriptions),
    counter('scada_socketio_events_sent_total', sent, s.events.sensor_data_broadcasts, { event: 'sensor_data' }),
    counter('scada_socketio_events_sent_total', sent, s.events.unit_status_sent, { event: 'unit_status' }),
    counter('scada_socketio_events_sent_total', sent, s.events.system_alerts_sent, { event: 'system_alert' }),
    counter(
      'scada_socketio_sensor_data_deliveries_total',
      'sensor_data events written to clients',
      s.events.sensor_data_sent,
    ),
    ...Object.entries(s.events.client_events_rejected).map(([reason, n]) =>
      counter('scada_socketio_client_events_rejected_total', rejected, n, { reason }),
    ),
    gauge(
      'scada_socketio_slow_clients',
      'Clients behind right now (readings held as latest per sensor)',
      s.slow_clients.behind_now,
    ),
    counter(
      'scada_socketio_readings_coalesced_total',
      'Readings a behind client never got because a newer value of the sensor replaced them',
      s.slow_clients.readings_coalesced,
    ),
    counter(
      'scada_socketio_readings_dropped_total',
      'Readings held for a client that left or was cut off',
      s.slow_clients.readings_dropped,
    ),
    counter('scada_socketio_disconnects_total', disconnects, s.slow_clients.disconnected, { cause: 'slow_client' }),
    counter('scada_socketio_disconnects_total', disconnects, s.flood_disconnects, { cause: 'flood' }),
    counter(
      'scada_socketio_redis_publish_errors_total',
      'Publishes to Redis that failed (scale-out)',
      s.redis.publish_errors,
    ),
    counter(
      'scada_cluster_readings_published_total',
      'Live readings sent to the other instances (scale-out: units some peer watches)',
      s.redis.readings_published,
    ),
    counter(
      'scada_cluster_readings_skipped_total',
      'Live readings not sent to the other instances because no peer watches their unit (scale-out)',
      s.redis.readings_skipped,
    ),
    counter(
      'scada_cluster_malformed_messages_total',
      'Messages from other instances that did not decode (scale-out)',
      s.redis.malformed_messages_in,
    ),
    counter(
      'scada_cluster_watch_set_truncations_total',
      'Peer watch sets longer than MAX_UNITS, taken as every unit (scale-out)',
      s.redis.watch_set_truncations,
    ),
    gauge(
      'scada_cluster_peer_watched_units',
      'Distinct units the other instances watch (scale-out)',
      s.redis.peer_watched_units,
    ),
  ];
}
