import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import type { ProcessedReading, Quality, UnitStatus, UnitStatusChange } from '../common/bus/event-map.js';
import { AppConfig } from '../config/app-config.js';
import { unitRoom } from './room.js';
import { UnitRoomGateway } from './unit-room.gateway.js';

/** One reading as HMIs receive it in `sensor_data`. */
export interface LiveReading {
  sensor_type: string;
  value: number;
  quality: Quality;
  /** ISO 8601, UTC. */
  timestamp: string;
}

/** A unit's new status as HMIs receive it in `unit_status`. */
export interface LiveUnitStatus {
  unit_id: string;
  status: UnitStatus;
  /** Time of the status report, ISO 8601, UTC. */
  timestamp: string;
}

/**
 * Sends processed readings to their unit's room as soon as they are processed (live before durable). The
 * readings of one unit over one short tick go out as a single `sensor_data` event, so a busy unit costs one
 * emit per tick, not one per reading. Units nobody watches cost nothing. Unit statuses go out as `unit_status` once
 * committed: an HMI sees the status the database holds, never one that a newer report already replaced.
 */
@Injectable()
export class LiveFanoutService implements OnModuleInit, OnModuleDestroy {
  private pending = new Map<string, LiveReading[]>();
  private timer: NodeJS.Timeout | undefined;
  eventsSent = 0;
  statusEventsSent = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly gateway: UnitRoomGateway,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.bus.on('readings.processed', LiveFanoutService.name, (batch) => this.add(batch.readings));
    this.bus.on('units.status_changed', LiveFanoutService.name, ({ changes }) => this.sendStatuses(changes));
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  add(readings: ProcessedReading[]): void {
    for (const r of readings) {
      let list = this.pending.get(r.unitId);
      if (!list) {
        if (!this.gateway.hasListeners(unitRoom(r.unitId))) continue;
        list = [];
        this.pending.set(r.unitId, list);
      }
      list.push({
        sensor_type: r.sensorType,
        value: r.value,
        quality: r.quality,
        timestamp: new Date(r.time).toISOString(),
      });
    }
    if (this.pending.size === 0) return;
    // The ingest batch already gathered readings for a few ms: by default send them on at once.
    if (this.config.websocketFanoutIntervalMs === 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.config.websocketFanoutIntervalMs);
  }

  /** Statuses are rare (a unit changes state, not many times a second): one event each, no tick. */
  sendStatuses(changes: readonly UnitStatusChange[]): void {
    for (const change of changes) {
      const room = unitRoom(change.unitId);
      if (!this.gateway.hasListeners(room)) continue;
      const payload: LiveUnitStatus = {
        unit_id: change.unitId,
        status: change.status,
        timestamp: new Date(change.time).toISOString(),
      };
      this.gateway.emitToRoom(room, 'unit_status', payload);
      this.statusEventsSent++;
    }
  }

  private flush(): void {
    this.timer = undefined;
    const pending = this.pending;
    this.pending = new Map();
    for (const [unitId, readings] of pending) {
      this.gateway.emitToRoom(unitRoom(unitId), 'sensor_data', { unit_id: unitId, readings });
      this.eventsSent++;
    }
  }
}
