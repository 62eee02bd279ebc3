import { Injectable, Logger } from '@nestjs/common';
import type { ClientMonitoredItem, ClientSession, ClientSubscription, DataValue } from 'node-opcua';
import { nodeOpcua } from '../common/lazy/node-opcua.loader.js';
import type { Principal } from '../common/auth/principal.js';
import { EventBus } from '../common/bus/event-bus.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats } from '../pipeline/pipeline-stats.js';
import { AppConfig } from '../config/app-config.js';
import { Batcher } from '../processor/batcher.js';
import { mapDataChange, type NodeMapping } from './data-change.mapper.js';
import { OpcuaMappingStore } from './opcua-mapping.store.js';
import { OpcuaNodeIoService } from './opcua-node-io.service.js';
import type { MonitoringReport, OpcuaSessionKeeper } from './opcua-session.keeper.js';
import { OpcuaSessionService } from './opcua-session.service.js';
import { withTimeout } from './timeout.js';

/** One mapping as the API reports it: the stored row plus its monitored item's state on this connection. */
export interface MappingState extends NodeMapping {
  /** A monitored item exists on the server for this node. */
  active: boolean;
  /** Why the server refused the monitored item (e.g. BadNodeIdUnknown), if it did. */
  error?: string;
}

/** The subscription of one session and its monitored items, by mapping id. */
interface Monitoring {
  readonly subscription: ClientSubscription;
  readonly items: Map<string, ClientMonitoredItem>;
}

/** Resolves when the server has accepted or refused the monitored item. */
function settled(item: ClientMonitoredItem): Promise<void> {
  return new Promise<void>((resolve) => {
    item.once('initialized', () => resolve());
    item.once('err', () => resolve());
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Monitors the mapped nodes: one subscription per session, one monitored item per node mapping. Data changes
 * arrive as monitored item notifications (no polling), are mapped (scale, offset, status code → quality, source
 * timestamp) and gathered by the shared Batcher into batches that go out on the bus as `readings.received`, exactly
 * like MQTT's. node-opcua restores the subscription and its items after a reconnect, so no item is ever duplicated.
 */
@Injectable()
export class OpcuaSubscriptionsService implements OpcuaSessionKeeper {
  private readonly logger = new Logger(OpcuaSubscriptionsService.name);
  private readonly throttled = new ThrottledLogger(this.logger);
  private monitoring?: Monitoring;
  private readonly itemErrors = new Map<string, string>();
  private readonly batcher: Batcher;
  private counters = {
    dataChanges: 0,
    rejected: 0,
  };

  constructor(
    private readonly config: AppConfig,
    bus: EventBus,
    private readonly stats: PipelineStats,
    private readonly session: OpcuaSessionService,
    private readonly nodes: OpcuaNodeIoService,
    private readonly mappings: OpcuaMappingStore,
  ) {
    // Data changes need no acknowledgement: batches go out on size and window only.
    this.batcher = new Batcher({
      maxMessages: config.ingestBatchSize,
      windowMs: config.ingestBatchWindowMs,
      sink: (batch) => bus.emit('readings.received', batch),
    });
    session.useSessionKeeper(this);
  }

  /**
   * Stores a mapping and, when connected, monitors its node at once. While connected the node must exist (404
   * otherwise); while not, the mapping is stored and monitored on the next connection.
   */
  async subscribe(request: Omit<NodeMapping, 'id' | 'createdAt'>): Promise<MappingState> {
    if (this.session.connected) await this.nodes.assertReadable(request.nodeId);
    const mapping = await this.mappings.add(request);
    if (this.monitoring) {
      const item = this.monitor(this.monitoring, mapping);
      await withTimeout(settled(item), this.config.opcuaTimeoutMs, 'not confirmed').catch(() => undefined);
    }
    this.logger.log(
      `Mapped ${mapping.nodeId} → ${mapping.unitId}/${mapping.sensorType} (×${mapping.scaleFactor} + ${mapping.offset})`,
    );
    return this.mappingState(mapping);
  }

  /** The mappings of the units the caller may access. */
  subscriptions(by: Principal): MappingState[] {
    return this.mappings.visibleTo(by).map((m) => this.mappingState(m));
  }

  async unsubscribe(id: string, by: Principal): Promise<MappingState> {
    const mapping = await this.mappings.remove(id, by);
    const state = this.mappingState(mapping);
    this.itemErrors.delete(id);
    const item = this.monitoring?.items.get(id);
    if (item) {
      this.monitoring?.items.delete(id);
      await item.terminate().catch((err: unknown) => this.logger.warn(`Removing monitored item: ${message(err)}`));
    }
    this.logger.log(`Unmapped ${mapping.nodeId} (${mapping.unitId}/${mapping.sensorType})`);
    return { ...state, active: false };
  }

  async prepare(): Promise<void> {
    await this.mappings.load();
  }

  async opened(session: ClientSession): Promise<void> {
    const subscription = nodeOpcua().ClientSubscription.create(session, {
      requestedPublishingInterval: this.config.opcuaPublishingIntervalMs,
      requestedLifetimeCount: 1000,
      requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 10_000,
      publishingEnabled: true,
      priority: 10,
    });
    subscription.on('internal_error', (err: Error) => {
      if (this.monitoring?.subscription === subscription) {
        this.throttled.warn('subscription', `OPC UA subscription error: ${err.message}`);
      }
    });
    const monitoring: Monitoring = { subscription, items: new Map() };
    this.monitoring = monitoring;
    this.itemErrors.clear();
    const items = this.mappings.all().map((mapping) => this.monitor(monitoring, mapping));
    const timeout = this.config.opcuaTimeoutMs;
    await withTimeout(Promise.all(items.map(settled)), timeout, 'monitored items not confirmed').catch(() => undefined);
  }

  async closing(terminate: boolean): Promise<void> {
    const monitoring = this.monitoring;
    this.monitoring = undefined;
    if (monitoring && terminate) await monitoring.subscription.terminate();
  }

  /** Sends what has been gathered down the pipeline now. */
  flush(): void {
    this.batcher.flush();
  }

  report(): MonitoringReport {
    const monitoring = this.monitoring;
    let subscribed = 0;
    if (monitoring) for (const id of monitoring.items.keys()) if (!this.itemErrors.has(id)) subscribed++;
    return {
      mappings: this.mappings.size,
      monitoredItems: monitoring ? Object.keys(monitoring.subscription.monitoredItems).length : 0,
      subscribedNodes: this.session.connected ? subscribed : 0,
      ...this.counters,
      readingsEmitted: this.batcher.readingsEmitted,
      batchesEmitted: this.batcher.batchesEmitted,
    };
  }

  private monitor(monitoring: Monitoring, mapping: NodeMapping): ClientMonitoredItem {
    const item = nodeOpcua().ClientMonitoredItem.create(
      monitoring.subscription,
      { nodeId: mapping.nodeId, attributeId: nodeOpcua().AttributeIds.Value },
      // A queue keeps every sample taken between two publishes when sampling is faster than publishing.
      { samplingInterval: mapping.samplingIntervalMs, queueSize: 100, discardOldest: true },
      nodeOpcua().TimestampsToReturn.Both,
    );
    item.on('changed', (dv: DataValue) => this.take(mapping, dv));
    item.on('initialized', () => this.itemErrors.delete(mapping.id));
    item.on('err', (problem: string) => {
      this.itemErrors.set(mapping.id, problem);
      this.throttled.warn(`item:${mapping.id}`, `Monitoring ${mapping.nodeId} failed: ${problem}`);
    });
    monitoring.items.set(mapping.id, item);
    return item;
  }

  /** Per data change: map and gather. No promise, no I/O, no log line unless rejected (and then throttled). */
  private take(mapping: NodeMapping, dv: DataValue): void {
    this.counters.dataChanges++;
    this.stats.received++;
    const mapped = mapDataChange(mapping, dv.value.value, dv.statusCode.value, dv.sourceTimestamp, dv.serverTimestamp);
    if (!mapped.ok) {
      this.counters.rejected++;
      this.stats.reject(mapped.reason);
      this.throttled.warn(
        mapped.reason,
        `Rejected data change of ${mapping.nodeId}: ${mapped.reason} (${dv.statusCode.name})`,
      );
      return;
    }
    this.batcher.add(undefined, {
      reading: {
        unitId: mapping.unitId,
        sensorType: mapping.sensorType,
        value: mapped.value,
        quality: mapped.quality,
        timestamp: mapped.timestamp,
        receivedAt: performance.timeOrigin + performance.now(),
        source: 'opcua',
      },
    });
  }

  private mappingState(mapping: NodeMapping): MappingState {
    const error = this.itemErrors.get(mapping.id);
    const active = this.session.connected && this.monitoring?.items.has(mapping.id) === true && !error;
    return { ...mapping, active, error };
  }
}
