import { Injectable } from '@nestjs/common';

/** Why a client event was refused; each reason is counted apart. */
export type RejectReason =
  'invalid_payload' | 'room_limit' | 'forbidden_unit' | 'unknown_event' | 'rate_limited' | 'lookup_failed';

/**
 * Plain counters of the Socket.IO side, bumped on the hot path (a property increment, no allocation) and read at
 * scrape time by GatewayStatus.snapshot().
 */
@Injectable()
export class GatewayCounters {
  /** `sensor_data` events written to clients (one per client and event). */
  sensorDataSent = 0;
  /** Fan-out broadcasts made (one per unit and batch; a broadcast reaches every member of the room). */
  sensorDataBroadcasts = 0;
  unitStatusSent = 0;
  systemAlertsSent = 0;
  /** Readings held for a client that was behind and then replaced by a newer value of the same sensor. */
  readingsCoalesced = 0;
  /** Readings held for a behind client that were never sent: it left the unit's room or was disconnected. */
  readingsDropped = 0;
  /** Times a client fell behind (its send buffer passed WEBSOCKET_SLOW_CLIENT_MAX_QUEUED). */
  clientsFellBehind = 0;
  /** Times a behind client caught up and got its held latest values. */
  clientsCaughtUp = 0;
  /** Clients disconnected for staying behind too long or queueing too much. */
  slowClientDisconnects = 0;
  /** Clients disconnected for flooding (far past the rate limit). */
  floodDisconnects = 0;
  /** Client events accepted (answered with ok: true). */
  eventsAccepted = 0;
  readonly rejected: Record<RejectReason, number> = {
    invalid_payload: 0,
    room_limit: 0,
    forbidden_unit: 0,
    unknown_event: 0,
    rate_limited: 0,
    lookup_failed: 0,
  };
  /** Disconnections by Socket.IO reason (`transport close`, `ping timeout`, `transport error` for oversized messages…). */
  readonly disconnects = new Map<string, number>();
  connections = 0;
  recoveredConnections = 0;

  reject(reason: RejectReason): void {
    this.rejected[reason]++;
  }

  disconnected(reason: string): void {
    this.disconnects.set(reason, (this.disconnects.get(reason) ?? 0) + 1);
  }
}
