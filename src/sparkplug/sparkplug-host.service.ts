import {
  Injectable,
  Logger,
  NotFoundException,
  type OnApplicationShutdown,
  type OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import type { RawReading, RawUnitStatus } from '../common/bus/event-map.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { AppConfig } from '../config/app-config.js';
import { MqttConnectionService } from '../mqtt/mqtt-connection.service.js';
import { MqttIngestService } from '../mqtt/mqtt-ingest.service.js';
import { PipelineStats, type RejectReason } from '../pipeline/pipeline-stats.js';
import { SensorDeclarations } from '../telemetry/sensor-declaration.service.js';
import { DataType, encodeWire, type WireMetric } from './sparkplug.codec.js';
import {
  type CommandTarget,
  type CommandTargetLookup,
  type NodeView,
  type PointDeclaration,
  SparkplugHost,
} from './sparkplug-host.state.js';
import { MappingOverrides } from './sparkplug-overrides.js';
import { NAMESPACE, stateTopic } from './sparkplug-topic.parser.js';

/** How often seq gaps are checked against the reorder timeout. */
const TICK_MS = 200;
/** Edge nodes tracked at most. */
const MAX_NODES = 10_000;

/** Counters of the host beyond the shared reject reasons, for /metrics and /health. */
export interface SparkplugSnapshot {
  enabled: boolean;
  hostId: string;
  /** Whether our STATE birth (online) was published on the current connection. */
  stateOnline: boolean;
  nodes: number;
  nodesOnline: number;
  devices: number;
  messages: number;
  rebirthsSent: number;
  /** NCMD/DCMD commands published for the commands API. */
  commandsSent: number;
  stateRepublished: number;
}

/**
 * The Sparkplug B host application on the backend's own MQTT connection (docs/sparkplug.md): one session, one
 * PUBACK ledger, so Sparkplug readings are acknowledged only after their commit like every MQTT reading. The STATE
 * death is that connection's last will; on every (re)connection the `spBv1.0` filters are subscribed, then the STATE
 * birth is published (retained, QoS 1). Messages are handed over by MqttIngestService's route and turned into
 * readings by the pure SparkplugHost; Rebirth NCMDs go out through the same client.
 */
@Injectable()
export class SparkplugHostService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SparkplugHostService.name);
  private readonly log = new ThrottledLogger(this.logger);
  readonly host: SparkplugHost;
  /** The timestamp of the current connection's will: the birth must carry the same (Sparkplug 3.0, host STATE). */
  private sessionTimestamp = Date.now();
  private stateOnline = false;
  private timer?: NodeJS.Timeout;
  private messages = 0;
  private rebirthsSent = 0;
  private commandsSent = 0;
  private stateRepublished = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly stats: PipelineStats,
    private readonly connection: MqttConnectionService,
    private readonly ingest: MqttIngestService,
    private readonly declarations: SensorDeclarations,
    overrides: MappingOverrides,
  ) {
    this.host = new SparkplugHost(
      {
        hostId: config.sparkplugHostId,
        reorderTimeoutMs: config.sparkplugReorderTimeoutMs,
        rebirthIntervalMs: config.sparkplugRebirthIntervalMs,
        groups: config.sparkplugGroups === undefined ? undefined : new Set(config.sparkplugGroups),
        maxNodes: MAX_NODES,
        limits: { maxBytes: config.sparkplugMaxPayloadBytes, maxMetrics: config.sparkplugMaxMetrics },
        overrides,
      },
      {
        reject: (reason) => this.reject(reason),
        rebirth: (node) => this.sendRebirth(node.group, node.edgeNode),
        declare: (points) => this.declare(points),
        republishState: () => {
          this.stateRepublished++;
          this.publishState();
        },
      },
    );
  }

  onModuleInit(): void {
    if (!this.config.sparkplugEnabled) return;
    this.connection.useWill(() => {
      this.sessionTimestamp = Date.now();
      return {
        topic: stateTopic(this.config.sparkplugHostId),
        payload: this.statePayload(false),
        qos: 1,
        retain: true,
      };
    });
    this.ingest.route(NAMESPACE, {
      take: (topic, payload, receivedAt) => this.take(topic, payload, receivedAt),
    });
    this.bus.on('mqtt.connection_changed', SparkplugHostService.name, (change) => {
      this.stateOnline = false;
      if (change.connected) void this.onConnected();
    });
    this.timer = setInterval(() => this.host.tick(Date.now()), TICK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The filters of the host: one per configured group plus our STATE, or the whole namespace. */
  get filters(): string[] {
    const groups = this.config.sparkplugGroups;
    if (groups === undefined) return [`${NAMESPACE}/#`];
    return [...groups.map((g) => `${NAMESPACE}/${g}/#`), stateTopic(this.config.sparkplugHostId)];
  }

  nodes(): NodeView[] {
    return this.host.nodeViews();
  }

  /** POST /sparkplug/nodes/{id}/rebirth: asks the edge node for a Rebirth now (no throttle: an engineer asked). */
  rebirth(id: string): NodeView {
    if (!this.config.sparkplugEnabled) throw new ServiceUnavailableException('Sparkplug is off (SPARKPLUG_ENABLED)');
    // Connected first: a request that cannot go out is not counted as made.
    this.connection.requireConnected();
    const ref = this.host.requestRebirth(id, Date.now());
    if (ref === undefined) throw new NotFoundException(`Unknown Sparkplug edge node '${id}'`);
    this.sendRebirth(ref.group, ref.edgeNode);
    return this.host.nodeViews().find((n) => n.id === id)!;
  }

  /** Where a command to the point goes (the `sparkplug` command channel), or why it cannot. */
  commandTarget(unitId: string, sensorType: string): CommandTargetLookup {
    return this.host.commandTarget(unitId, sensorType);
  }

  /**
   * One NCMD (a node metric) or DCMD (a device metric) with this metric, QoS 0 and not retained as the
   * specification has commands; resolves once the client has written it. Sent once: never repeated from here.
   */
  async publishCommand(target: CommandTarget, metric: WireMetric, now: number): Promise<void> {
    const client = this.connection.requireConnected();
    const topic =
      target.device === undefined
        ? `${NAMESPACE}/${target.group}/NCMD/${target.edgeNode}`
        : `${NAMESPACE}/${target.group}/DCMD/${target.edgeNode}/${target.device}`;
    const payload = Buffer.from(encodeWire({ timestamp: now, metrics: [metric] }));
    await new Promise<void>((resolve, reject) => {
      client.publish(topic, payload, { qos: 0 }, (err) => (err ? reject(err) : resolve()));
    });
    this.commandsSent++;
  }

  /** The node or device whose last birth mapped it to this unit (a new override must not take another's unit). */
  unitHolder(unitId: string): { group: string; edgeNode: string; device?: string } | undefined {
    return this.host.unitHolder(unitId);
  }

  /** Asks a known edge node for a Rebirth if it can go out now (after a mapping change); whether it went. */
  rebirthIfKnown(group: string, edgeNode: string): boolean {
    if (!this.config.sparkplugEnabled || !this.connection.connected) return false;
    if (this.host.requestRebirthOf(group, edgeNode, Date.now()) === undefined) return false;
    this.sendRebirth(group, edgeNode);
    return true;
  }

  snapshot(): SparkplugSnapshot {
    const counts = this.host.counts;
    return {
      enabled: this.config.sparkplugEnabled,
      hostId: this.config.sparkplugHostId,
      stateOnline: this.stateOnline,
      nodes: counts.nodes,
      nodesOnline: counts.online,
      devices: counts.devices,
      messages: this.messages,
      rebirthsSent: this.rebirthsSent,
      commandsSent: this.commandsSent,
      stateRepublished: this.stateRepublished,
    };
  }

  private take(
    topic: string,
    payload: Buffer,
    receivedAt: number,
  ): { readings: RawReading[]; statuses: RawUnitStatus[] } {
    this.messages++;
    const gathered = this.host.take(topic, payload, receivedAt);
    this.stats.received += gathered.readings.length;
    this.stats.statusReceived += gathered.statuses.length;
    return gathered;
  }

  /** Subscribe first, then the birth: nothing published to us after our birth may be missed. */
  private async onConnected(): Promise<void> {
    let client;
    try {
      client = this.connection.requireConnected();
      const granted = await client.subscribeAsync(this.filters, { qos: 1 });
      const refused = granted.filter((g) => (g.qos & 0x80) !== 0).map((g) => g.topic);
      if (refused.length > 0) this.logger.error(`Sparkplug: the broker refused ${refused.join(', ')}`);
    } catch (err) {
      this.logger.error(`Sparkplug: subscribing failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.publishState();
  }

  private publishState(): void {
    let client;
    try {
      client = this.connection.requireConnected();
    } catch {
      return;
    }
    client.publish(
      stateTopic(this.config.sparkplugHostId),
      this.statePayload(true),
      { qos: 1, retain: true },
      (err) => {
        if (err) this.log.warn('state', `Sparkplug: publishing STATE failed: ${err.message}`);
        else this.stateOnline = true;
      },
    );
  }

  private statePayload(online: boolean): Buffer {
    return Buffer.from(JSON.stringify({ online, timestamp: this.sessionTimestamp }));
  }

  /** NCMD `Node Control/Rebirth` = true (QoS 0, as the specification has commands). */
  private sendRebirth(group: string, edgeNode: string): void {
    let client;
    try {
      client = this.connection.requireConnected();
    } catch {
      return;
    }
    const payload = encodeWire({
      timestamp: Date.now(),
      metrics: [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, boolean_value: true }],
    });
    this.rebirthsSent++;
    client.publish(`${NAMESPACE}/${group}/NCMD/${edgeNode}`, Buffer.from(payload), { qos: 0 });
  }

  private declare(points: PointDeclaration[]): void {
    this.declarations
      .declare(
        points.map((p) => ({
          unitId: p.unitId,
          sensorType: p.sensorType,
          engineeringUnit: p.engineeringUnit,
          kind: p.digital ? ('digital' as const) : undefined,
        })),
      )
      .catch((err: unknown) => {
        this.log.warn(
          'declare',
          `Sparkplug: declaring birth metrics failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
  }

  private reject(reason: RejectReason): void {
    this.stats.reject(reason);
    this.log.warn(reason, `Sparkplug message rejected: ${reason}`);
  }
}
