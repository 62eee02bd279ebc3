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
import { OpcuaSessionService } from '../opcua/opcua-session.service.js';
import { toOpcuaStatusResponse } from '../opcua/opcua.dto.js';
import { ReadingHandlerRunner } from '../processor/reading-handler.runner.js';
import { OpcuaDemoService } from '../simulator/opcua-demo.service.js';
import { SimulatorService } from '../simulator/simulator.service.js';
import { ReadingWriter } from '../telemetry/reading.writer.js';
import { SensorRegistry } from '../telemetry/sensor.registry.js';
import { StoragePolicyService } from '../telemetry/storage-policy.service.js';

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
    private readonly storage: StoragePolicyService,
    private readonly opcua: OpcuaSessionService,
    private readonly opcuaDemo: OpcuaDemoService,
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
    const opcua = this.opcua.snapshot();
    // OPC UA is optional: it degrades the summary only once it is in use (configured or connected over REST).
    const opcuaInUse = opcua.configured || opcua.state !== 'disabled';
    const opcuaOk = !opcuaInUse || opcua.connected || opcua.state === 'disconnected';
    return {
      status: db.ok && mqtt.connected && opcuaOk ? 'healthy' : 'degraded',
      version: APP_VERSION,
      timestamp: new Date().toISOString(),
      mqtt: {
        connected: mqtt.connected,
        state: mqtt.state,
        broker_host: mqtt.broker.host,
        subscribed_topics: mqtt.subscribedTopics,
        reconnects: mqtt.reconnects,
        pending_acks: mqtt.pendingAcks,
        intake_paused: mqtt.intakePaused,
        last_error: mqtt.lastError,
      },
      websocket: this.gateway.health(),
      realtime_processor: {
        active_handlers: this.handlers.count,
        alert_rules: this.alerts.enabledRuleCount,
      },
      opcua: {
        available: opcuaInUse,
        connected: opcua.connected,
        subscribed_nodes: opcua.subscribedNodes,
        state: opcua.state,
        endpoint_url: opcua.endpointUrl,
        monitored_items: opcua.monitoredItems,
        reconnects: opcua.reconnects,
        last_error: opcua.lastError,
      },
      protocol_simulator: this.simulator.health(),
      opcua_demo_server: this.opcuaDemo.health(),
      database: {
        connected: db.ok,
        embedded: this.runtime.databaseEmbedded,
        timescaledb: this.storage.capabilities.timescale,
        timescaledb_jobs_failing: this.storage.snapshot().timescaleJobsFailing,
        pending_writes: this.writer.pending,
        last_error: db.error ?? this.writer.lastError,
      },
    };
  }

  /** Storage features in use and the retention job's counters. */
  private historian() {
    const s = this.storage.snapshot();
    return {
      timescaledb_version: s.timescaleVersion,
      compression: s.compression,
      compress_after_s: s.compressAfterSeconds,
      continuous_aggregates: s.continuousAggregates,
      retention_s: s.retentionSeconds,
      retention_by: s.retentionBy,
      retention_runs: s.retentionRuns,
      retention_deleted: s.retentionDeleted,
      retention_last_run_at: s.retentionLastRunAt,
      retention_last_error: s.retentionLastError,
      timescale_jobs_failing: s.timescaleJobsFailing,
      timescale_jobs_read_error: s.timescaleJobsReadError,
      timescale_jobs: s.timescaleJobs.map((j) => ({
        job_id: j.jobId,
        job: j.job,
        last_run_status: j.lastRunStatus,
        last_run_started_at: j.lastRunStartedAt,
        total_runs: j.totalRuns,
        total_failures: j.totalFailures,
        last_error: j.lastError,
      })),
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
      opcua: toOpcuaStatusResponse(this.opcua.snapshot()),
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
      historian: this.historian(),
      event_bus: { listener_errors: this.bus.errorCounts() },
      memory: { rss_mb: Math.round(process.memoryUsage().rss / 1048576) },
    };
  }
}
