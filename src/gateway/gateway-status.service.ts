import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ClientDelivery } from './client-delivery.service.js';
import { ClusterLink } from './cluster-link.service.js';
import { GatewayCounters } from './gateway-counters.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

/** Unit rooms listed by name in /health; the rest are summed (a plant may have thousands of units). */
const HEALTH_UNITS_LISTED = 50;

/**
 * The Socket.IO side's state, read at scrape time: `snapshot()` for /metrics, `health()` for the /health summary.
 * Counters are totals since start; gauges (clients, rooms, behind) are this instance's, except `cluster`.
 */
@Injectable()
export class GatewayStatus {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly gateway: UnitRoomGateway,
    private readonly delivery: ClientDelivery,
    private readonly cluster: ClusterLink,
    private readonly counters: GatewayCounters,
  ) {}

  snapshot() {
    const c = this.counters;
    const perUnit = this.gateway.subscriptionsPerUnit();
    let subscriptions = 0;
    for (const n of perUnit.values()) subscriptions += n;
    return {
      connected_clients: this.gateway.connectedClients,
      connections_total: c.connections,
      recovered_connections: c.recoveredConnections,
      unit_rooms: perUnit.size,
      subscriptions,
      subscriptions_per_unit: Object.fromEntries(perUnit),
      events: {
        sensor_data_sent: c.sensorDataSent,
        sensor_data_broadcasts: c.sensorDataBroadcasts,
        unit_status_sent: c.unitStatusSent,
        system_alerts_sent: c.systemAlertsSent,
        client_events_accepted: c.eventsAccepted,
        client_events_rejected: { ...c.rejected },
      },
      slow_clients: {
        behind_now: this.delivery.behindCount,
        held_readings: this.delivery.heldReadings,
        max_queued_packets: this.delivery.maxQueuedSeen,
        fell_behind: c.clientsFellBehind,
        caught_up: c.clientsCaughtUp,
        readings_coalesced: c.readingsCoalesced,
        readings_dropped: c.readingsDropped,
        disconnected: c.slowClientDisconnects,
        queued_limit: this.config.websocketSlowClientMaxQueued,
        timeout_ms: this.config.websocketSlowClientTimeoutMs,
      },
      flood_disconnects: c.floodDisconnects,
      disconnects_by_reason: Object.fromEntries(c.disconnects),
      redis: this.cluster.snapshot(),
    };
  }

  /** The /health `websocket` section: the snapshot with the per-unit list cut to the busiest units. */
  health() {
    const s = this.snapshot();
    const units = Object.entries(s.subscriptions_per_unit).sort((a, b) => b[1] - a[1]);
    const cluster = this.cluster.cluster();
    return {
      service_status: 'running',
      ...s,
      // Across instances when Redis links them (each reports its count every 2 s); this instance's otherwise.
      connected_clients: cluster.connected_clients,
      instance_connected_clients: s.connected_clients,
      instances: cluster.instances,
      subscriptions_per_unit: Object.fromEntries(units.slice(0, HEALTH_UNITS_LISTED)),
      subscriptions_per_unit_truncated: units.length > HEALTH_UNITS_LISTED,
    };
  }
}
