import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { ALARM_STATES } from '../alerts/alarm-lifecycle.js';
import { ALERT_SEVERITIES } from '../alerts/alert-rule.js';
import { AlertsService } from '../alerts/alerts.service.js';
import { EventBus } from '../common/bus/event-bus.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { PipelineStats } from '../common/metrics/pipeline-stats.js';
import { WriteMetrics } from '../common/metrics/write-metrics.js';
import { APP_VERSION } from '../common/version.js';
import { GatewayStatus } from '../gateway/gateway-status.service.js';
import { MqttConnectionService } from '../mqtt/mqtt-connection.service.js';
import { ReadingWriter } from '../telemetry/reading.writer.js';
import { CollectedMetrics } from './collected-metrics.js';

const MQTT_STATES = ['connected', 'connecting', 'disconnected'] as const;

/** A counter whose value is read from a module's own total at scrape time (it never counts by itself). */
function setCounter(counter: Counter, value: number, labels?: Record<string, string>): void {
  if (labels) counter.inc(labels, value);
  else counter.inc(value);
}

/**
 * Everything /metrics serves, in its own registry. Values are pulled at scrape time from the modules' counters
 * and snapshots (PipelineStats, the writer, the MQTT connection, the gateway, the alarm engine), so no module
 * has prom-client code on its hot path; the only observations made as things happen are the writer's, once per
 * batch (WriteMetrics). Modules built later register a collector with FeatureRegistry.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  readonly registry = new Registry();
  /** Metrics of the modules that registered a collector (FeatureRegistry). */
  private readonly collected = new CollectedMetrics(this.registry);

  constructor(
    private readonly stats: PipelineStats,
    private readonly writer: ReadingWriter,
    writeMetrics: WriteMetrics,
    private readonly mqtt: MqttConnectionService,
    private readonly gateway: GatewayStatus,
    private readonly alerts: AlertsService,
    private readonly bus: EventBus,
    private readonly collectors: FeatureRegistry,
  ) {
    // Process CPU, memory, handles, GC and event-loop lag (nodejs_eventloop_lag_seconds and its percentiles).
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(writeMetrics.batchRows);
    this.registry.registerMetric(writeMetrics.writeSeconds);
    this.definePipeline();
    this.defineWriter();
    this.defineMqtt();
    this.defineSocketIo();
    this.defineAlarms();
  }

  /** The text exposition of every metric, read now. */
  async scrape(): Promise<string> {
    for (const failure of this.collected.refresh(this.collectors.entries())) {
      this.errorLog.error(failure.split(':')[0], failure);
    }
    return this.registry.metrics();
  }

  private counter(name: string, help: string, read: (c: Counter) => void, labelNames: string[] = []): void {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        read(this);
      },
    });
  }

  private gauge(name: string, help: string, read: (g: Gauge) => void, labelNames: string[] = []): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        read(this);
      },
    });
  }

  private definePipeline(): void {
    const s = this.stats;
    this.gauge(
      'scada_build_info',
      'Version of the running backend (always 1)',
      (g) => g.set({ version: APP_VERSION }, 1),
      ['version'],
    );
    this.counter('scada_readings_received_total', 'Messages taken in on reading topics (and on unknown topics)', (c) =>
      setCounter(c, s.received),
    );
    this.counter('scada_readings_accepted_total', 'Readings that passed parsing and validation', (c) =>
      setCounter(c, s.accepted),
    );
    this.counter(
      'scada_readings_rejected_total',
      'Messages, readings and unit statuses rejected, by reason',
      (c) => {
        for (const [reason, n] of s.rejected) setCounter(c, n, { reason });
      },
      ['reason'],
    );
    this.counter(
      'scada_readings_stored_total',
      'Readings committed to the database (redeliveries absorbed by the unique key not counted)',
      (c) => setCounter(c, s.stored),
    );
    this.counter(
      'scada_readings_dropped_total',
      'QoS 0 readings dropped on purpose (writer queue full, or arrived during a shutdown)',
      (c) => setCounter(c, s.dropped),
    );
    this.counter('scada_database_write_errors_total', 'Failed reading writes (each one retried)', (c) =>
      setCounter(c, s.writeErrors),
    );
    this.counter(
      'scada_unit_status_messages_total',
      'Unit status messages by outcome: received, accepted, applied, superseded',
      (c) => {
        setCounter(c, s.statusReceived, { outcome: 'received' });
        setCounter(c, s.statusAccepted, { outcome: 'accepted' });
        setCounter(c, s.statusApplied, { outcome: 'applied' });
        setCounter(c, s.statusSuperseded, { outcome: 'superseded' });
      },
      ['outcome'],
    );
    this.counter(
      'scada_reading_handler_errors_total',
      'Failed calls of custom reading handlers, by handler',
      (c) => {
        for (const [handler, n] of s.handlerErrors) setCounter(c, n, { handler });
      },
      ['handler'],
    );
    this.counter(
      'scada_event_bus_listener_errors_total',
      'Event bus listeners that threw, by event:listener',
      (c) => {
        for (const [listener, n] of Object.entries(this.bus.errorCounts())) setCounter(c, n, { listener });
      },
      ['listener'],
    );
  }

  private defineWriter(): void {
    this.gauge('scada_writer_queue_readings', 'Readings waiting for the database', (g) => g.set(this.writer.pending));
    this.gauge('scada_writer_queue_batches', 'Batches waiting for the database', (g) =>
      g.set(this.writer.pendingBatches),
    );
    this.gauge('scada_writer_queue_oldest_age_seconds', 'Age of the oldest batch waiting for the database', (g) =>
      g.set(this.writer.oldestPendingAgeMs / 1000),
    );
  }

  private defineMqtt(): void {
    this.gauge('scada_mqtt_connected', '1 while connected to the MQTT broker', (g) =>
      g.set(this.mqtt.connected ? 1 : 0),
    );
    this.gauge(
      'scada_mqtt_connection_state',
      'MQTT connection state (1 for the current one)',
      (g) => {
        const state = this.mqtt.state;
        for (const s of MQTT_STATES) g.set({ state: s }, s === state ? 1 : 0);
      },
      ['state'],
    );
    this.counter('scada_mqtt_reconnects_total', 'Reconnect attempts to the MQTT broker', (c) =>
      setCounter(c, this.mqtt.reconnects),
    );
    this.counter('scada_mqtt_messages_received_total', 'MQTT messages taken in, on any subscription', (c) =>
      setCounter(c, this.mqtt.snapshot().messages.received),
    );
    this.gauge('scada_mqtt_pending_acks', 'QoS 1 PUBACKs held until their readings are committed', (g) =>
      g.set(this.mqtt.snapshot().pendingAcks),
    );
    this.gauge(
      'scada_mqtt_intake_paused',
      '1 while the backend has stopped reading from the broker because MQTT_MAX_PENDING_ACKS readings wait for their commit',
      (g) => g.set(this.mqtt.snapshot().intakePaused ? 1 : 0),
    );
    this.counter('scada_mqtt_intake_pauses_total', 'Times MQTT intake paused for held PUBACKs (back-pressure)', (c) =>
      setCounter(c, this.mqtt.snapshot().intakePauses),
    );
    this.gauge('scada_mqtt_subscriptions_active', 'Subscriptions confirmed by the broker on this connection', (g) =>
      g.set(this.mqtt.snapshot().subscribedTopics.length),
    );
  }

  private defineSocketIo(): void {
    const ws = () => this.gateway.snapshot();
    this.gauge('scada_socketio_clients', 'Connected Socket.IO clients (this instance)', (g) =>
      g.set(ws().connected_clients),
    );
    this.gauge('scada_socketio_unit_rooms', 'Unit rooms with members on this instance', (g) => g.set(ws().unit_rooms));
    this.gauge('scada_socketio_subscriptions', 'Unit room memberships on this instance', (g) =>
      g.set(ws().subscriptions),
    );
    this.counter(
      'scada_socketio_events_sent_total',
      'Socket.IO events sent, by event (sensor_data per room, unit_status per room, system_alert per broadcast)',
      (c) => {
        const { events } = ws();
        setCounter(c, events.sensor_data_broadcasts, { event: 'sensor_data' });
        setCounter(c, events.unit_status_sent, { event: 'unit_status' });
        setCounter(c, events.system_alerts_sent, { event: 'system_alert' });
      },
      ['event'],
    );
    this.counter('scada_socketio_sensor_data_deliveries_total', 'sensor_data events written to clients', (c) =>
      setCounter(c, ws().events.sensor_data_sent),
    );
    this.counter(
      'scada_socketio_client_events_rejected_total',
      'Client events refused, by reason',
      (c) => {
        for (const [reason, n] of Object.entries(ws().events.client_events_rejected)) setCounter(c, n, { reason });
      },
      ['reason'],
    );
    this.gauge('scada_socketio_slow_clients', 'Clients behind right now (readings held as latest per sensor)', (g) =>
      g.set(ws().slow_clients.behind_now),
    );
    this.counter(
      'scada_socketio_readings_coalesced_total',
      'Readings a behind client never got because a newer value of the sensor replaced them',
      (c) => setCounter(c, ws().slow_clients.readings_coalesced),
    );
    this.counter('scada_socketio_readings_dropped_total', 'Readings held for a client that left or was cut off', (c) =>
      setCounter(c, ws().slow_clients.readings_dropped),
    );
    this.counter(
      'scada_socketio_disconnects_total',
      'Clients disconnected by the server, by cause',
      (c) => {
        const s = ws();
        setCounter(c, s.slow_clients.disconnected, { cause: 'slow_client' });
        setCounter(c, s.flood_disconnects, { cause: 'flood' });
      },
      ['cause'],
    );
    this.counter('scada_socketio_redis_publish_errors_total', 'Publishes to Redis that failed (scale-out)', (c) =>
      setCounter(c, ws().redis.publish_errors),
    );
    this.counter(
      'scada_cluster_readings_published_total',
      'Live readings sent to the other instances (scale-out: units some peer watches)',
      (c) => setCounter(c, ws().redis.readings_published),
    );
    this.counter(
      'scada_cluster_readings_skipped_total',
      'Live readings not sent to the other instances because no peer watches their unit (scale-out)',
      (c) => setCounter(c, ws().redis.readings_skipped),
    );
    this.counter(
      'scada_cluster_malformed_messages_total',
      'Messages from other instances that did not decode (scale-out)',
      (c) => setCounter(c, ws().redis.malformed_messages_in),
    );
    this.counter(
      'scada_cluster_watch_set_truncations_total',
      'Peer watch sets longer than MAX_UNITS, taken as every unit (scale-out)',
      (c) => setCounter(c, ws().redis.watch_set_truncations),
    );
    this.gauge('scada_cluster_peer_watched_units', 'Distinct units the other instances watch (scale-out)', (g) =>
      g.set(ws().redis.peer_watched_units),
    );
  }

  private defineAlarms(): void {
    this.gauge(
      'scada_alarms',
      'Open alarms by state and severity',
      (g) => {
        const counts = new Map<string, number>();
        for (const alarm of this.alerts.openAlarms()) {
          const key = `${alarm.state}|${alarm.severity}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        // Every combination, zeros included, so an alert rule on a series never sees it vanish.
        for (const state of ALARM_STATES.filter((s) => s !== 'cleared')) {
          for (const severity of ALERT_SEVERITIES) {
            g.set({ state, severity }, counts.get(`${state}|${severity}`) ?? 0);
          }
        }
      },
      ['state', 'severity'],
    );
    this.gauge('scada_alarms_shelved', 'Open alarms that are shelved', (g) => g.set(this.alerts.status().shelved));
    this.gauge('scada_alarm_rules_enabled', 'Enabled alarm rules', (g) => g.set(this.alerts.enabledRuleCount));
    this.counter('scada_alarm_transitions_total', 'Alarm transitions since start', (c) =>
      setCounter(c, this.alerts.status().transitions),
    );
    this.counter('scada_alarm_write_errors_total', 'Failed alarm history writes (each one retried)', (c) =>
      setCounter(c, this.alerts.status().write_errors),
    );
  }
}
