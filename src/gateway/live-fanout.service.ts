import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import type { ProcessedReading, UnitStatusChange } from '../common/bus/event-map.js';
import { AppConfig } from '../config/app-config.js';
import { LatestValues } from '../telemetry/latest-values.service.js';
import { ClientDelivery } from './client-delivery.service.js';
import { ClusterLink } from './cluster-link.service.js';
import { GatewayCounters } from './gateway-counters.js';
import type { LiveReading, LiveUnitStatus, OutgoingUnitReadings } from './live-reading.js';
import { unitRoom } from './room.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

export type { LiveReading, LiveUnitStatus } from './live-reading.js';

/** One unit's readings gathered over a tick, and whether they also go to other instances. */
interface PendingUnit {
  readings: LiveReading[];
  times: number[];
  /** Some other instance watches the unit (decided when the unit's first reading of the tick arrives). */
  toPeers: boolean;
}

/**
 * Sends processed readings to their unit's room as soon as they are processed (live before durable). The
 * readings of one unit over one short tick go out as a single `sensor_data` event, so a busy unit costs one
 * emit per tick, not one per reading. Units nobody watches cost nothing; with Redis, the readings of units that
 * another instance's rooms watch (ClusterLink.peerWatches) also go to the other instances, in one message per tick,
 * and the rest are counted as skipped. Unit statuses go
 * out as `unit_status` once committed: an HMI sees the status the database holds, never one that a newer report
 * already replaced.
 */
@Injectable()
export class LiveFanoutService implements OnModuleInit, OnModuleDestroy {
  private pending = new Map<string, PendingUnit>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly gateway: UnitRoomGateway,
    private readonly delivery: ClientDelivery,
    private readonly cluster: ClusterLink,
    private readonly counters: GatewayCounters,
    private readonly latest: LatestValues,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.bus.on('readings.processed', LiveFanoutService.name, (batch) => this.add(batch.readings));
    this.bus.on('units.status_changed', LiveFanoutService.name, ({ changes }) => this.sendStatuses(changes));
    this.cluster.onReadings((units) => {
      for (const u of units) this.latest.offerRemote(u.unit_id, u.readings, u.times);
      this.delivery.deliverRound(units.map((u) => [u.unit_id, u.readings] as const));
    });
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  add(readings: readonly ProcessedReading[]): void {
    const linked = this.cluster.linked;
    // Units of this batch that nobody watches, here or on a peer: decided once per unit, not once per reading.
    let unwatched: Set<string> | undefined;
    for (const r of readings) {
      let unit = this.pending.get(r.unitId);
      if (!unit) {
        if (unwatched?.has(r.unitId)) {
          this.cluster.readingsSkipped++;
          continue;
        }
        const toPeers = linked && this.cluster.peerWatches(r.unitId);
        if (!toPeers && !this.gateway.hasListeners(unitRoom(r.unitId))) {
          (unwatched ??= new Set()).add(r.unitId);
          if (linked) this.cluster.readingsSkipped++;
          continue;
        }
        unit = { readings: [], times: [], toPeers };
        this.pending.set(r.unitId, unit);
      }
      if (linked && !unit.toPeers) this.cluster.readingsSkipped++;
      const live: LiveReading = {
        sensor_type: r.sensorType,
        value: r.value,
        quality: r.quality,
        timestamp: new Date(r.time).toISOString(),
      };
      if (r.state !== undefined) live.state = r.state;
      unit.readings.push(live);
      unit.times.push(r.time);
    }
    if (this.pending.size === 0) return;
    // The ingest batch already gathered readings for a few ms: by default send them on at once.
    if (this.config.websocketFanoutIntervalMs === 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.config.websocketFanoutIntervalMs);
  }

  /** Statuses are rare (a unit changes state, not many times a second): one event each, no tick, no coalescing. */
  sendStatuses(changes: readonly UnitStatusChange[]): void {
    for (const change of changes) {
      const room = unitRoom(change.unitId);
      // With Redis the adapter carries the event to the instances that have the room.
      if (!this.cluster.enabled && !this.gateway.hasListeners(room)) continue;
      const payload: LiveUnitStatus = {
        unit_id: change.unitId,
        status: change.status,
        timestamp: new Date(change.time).toISOString(),
      };
      this.gateway.emitToRoom(room, 'unit_status', payload);
      this.counters.unitStatusSent++;
    }
  }

  private flush(): void {
    this.timer = undefined;
    const pending = this.pending;
    this.pending = new Map();
    const toPeers: OutgoingUnitReadings[] = [];
    const round: [string, LiveReading[]][] = [];
    for (const [unitId, { readings, times, toPeers: watchedByPeers }] of pending) {
      round.push([unitId, readings]);
      if (watchedByPeers) toPeers.push({ unitId, readings, times });
    }
    this.delivery.deliverRound(round);
    if (toPeers.length > 0) this.cluster.publishReadings(toPeers);
  }
}
