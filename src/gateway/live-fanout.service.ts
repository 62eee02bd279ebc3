import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import type { ProcessedReading, UnitStatusChange } from '../common/bus/event-map.js';
import { AppConfig } from '../config/app-config.js';
import { LatestValues } from '../telemetry/latest-values.service.js';
import { ClientDelivery } from './client-delivery.service.js';
import { ClusterLink } from './cluster-link.service.js';
import { GatewayCounters } from './gateway-counters.js';
import type { LiveReading, LiveUnitStatus, SensorDataEvent } from './live-reading.js';
import { unitRoom } from './room.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

export type { LiveReading, LiveUnitStatus } from './live-reading.js';

/**
 * Sends processed readings to their unit's room as soon as they are processed (live before durable). The
 * readings of one unit over one short tick go out as a single `sensor_data` event, so a busy unit costs one
 * emit per tick, not one per reading. On a single instance, units nobody watches cost nothing; with Redis, every
 * batch also goes to the other instances in one message, whose clients this instance cannot see. Unit statuses go
 * out as `unit_status` once committed: an HMI sees the status the database holds, never one that a newer report
 * already replaced.
 */
@Injectable()
export class LiveFanoutService implements OnModuleInit, OnModuleDestroy {
  private pending = new Map<string, LiveReading[]>();
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
    this.cluster.onReadings((batches) => {
      for (const b of batches) {
        this.latest.offerRemote(b.unit_id, b.readings);
        this.delivery.deliver(b.unit_id, b.readings);
      }
    });
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  add(readings: readonly ProcessedReading[]): void {
    const everyUnit = this.cluster.enabled;
    for (const r of readings) {
      let list = this.pending.get(r.unitId);
      if (!list) {
        if (!everyUnit && !this.gateway.hasListeners(unitRoom(r.unitId))) continue;
        list = [];
        this.pending.set(r.unitId, list);
      }
      const live: LiveReading = {
        sensor_type: r.sensorType,
        value: r.value,
        quality: r.quality,
        timestamp: new Date(r.time).toISOString(),
      };
      if (r.state !== undefined) live.state = r.state;
      list.push(live);
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
    const batches: SensorDataEvent[] = [];
    for (const [unitId, readings] of pending) {
      this.delivery.deliver(unitId, readings);
      batches.push({ unit_id: unitId, readings });
    }
    this.cluster.publishReadings(batches);
  }
}
