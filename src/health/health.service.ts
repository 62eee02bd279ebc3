import { Inject, Injectable } from '@nestjs/common';
import { AlertsService } from '../alerts/alerts.service.js';
import { EventBus } from '../common/bus/event-bus.js';
import { DatabasePool } from '../common/database/database.pool.js';
import { PipelineStats } from '../common/metrics/pipeline-stats.js';
import { APP_VERSION } from '../common/version.js';
import { RUNTIME_INFO, type RuntimeInfo } from '../config/runtime.js';
import { GatewayStatus } from '../gateway/gateway-status.service.js';
import { MqttConnectionService } from '../mqtt/mqtt-connection.service.js';
import { toMqttStatusResponse } from '../mqtt/mqtt.dto.js';
import { ReadingHandlerRunner } from '../processor/reading-handler.runner.js';
import { SimulatorService } from '../simulator/simulator.service.js';
import { ReadingWriter } from '../telemetry/reading.writer.js';
import { SensorRegistry } from '../telemetry/sensor.registry.js';

/** Marks a section of the summary whose module is not built yet, so nobody mistakes zeros for readings. */
const NOT_IMPLEMENTED = { implemented: false } as const;

/** Gathers the state of every module for /health and /api/v1/scada/status. */
@Injectable()
export class HealthService {
  constructor(
    private readonly mqtt: MqttConnectionService,
    private readonly gateway: GatewayStatus,
    private readonly writer: ReadingWriter,
    private readonly registry: SensorRegistry,
    private readonly db: DatabasePool,
    private readonly bus: EventBus,
    private readonly stats: PipelineStats,
    @Inject(RUNTIME_INFO) private readonly runtime: RuntimeInfo,
    private readonly handlers: ReadingHandlerRunner,
    private readonly alerts: AlertsService,
    private readonly simulator: SimulatorService,
  ) {}

  async databaseReachable(): Promise<{ ok: boolean; error?: string }> {
    try {
      await this.db.ping(2000);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  mqttState(): { connected: boolean; state: string; last_error?: string } {
    const s = this.mqtt.snapshot();
    return { connected: s.connected, state: s.state, last_error: s.lastError };
  }

  /** The summary served at /health (the seed's shape, plus the database). */
  async summary() {
    const db = await this.databaseReachable();
    const mqtt = this.mqtt.snapshot();
    return {
      status: db.ok && mqtt.connected ? 'healthy' : 'degraded',
      version: APP_VERSION,
      timestamp: new Date().toISOString(),
      mqtt: {
        connected: mqtt.connected,
        state: mqtt.state,
        broker_host: mqtt.broker.host,
        subscribed_topics: mqtt.subscribedTopics,
        reconnects: mqtt.reconnects,
        last_error: mqtt.lastError,
      },
      websocket: this.gateway.health(),
      realtime_processor: {
        active_handlers: this.handlers.count,
        alert_rules: this.alerts.enabledRuleCount,
      },
      opcua: { available: false, connected: false, subscribed_nodes: 0, ...NOT_IMPLEMENTED },
      protocol_simulator: this.simulator.health(),
      database: {
        connected: db.ok,
        embedded: this.runtime.databaseEmbedded,
        pending_writes: this.writer.pending,
        last_error: db.error ?? this.writer.lastError,
      },
    };
  }

  /** The detailed state served at /api/v1/scada/status. */
  async status() {
    const db = await this.databaseReachable();
    return {
      version: APP_VERSION,
      server_time: new Date().toISOString(),
      uptime_s: Math.round(process.uptime()),
      mqtt: toMqttStatusResponse(this.mqtt.snapshot()),
      database: {
        connected: db.ok,
        embedded: this.runtime.databaseEmbedded,
        known_sensors: this.registry.size,
        pending_writes: this.writer.pending,
        last_error: db.error ?? this.writer.lastError,
      },
      pipeline: this.stats.snapshot(),
      websocket: this.gateway.snapshot(),
      alarms: this.alerts.status(),
      event_bus: { listener_errors: this.bus.errorCounts() },
      memory: { rss_mb: Math.round(process.memoryUsage().rss / 1048576) },
    };
  }
}
