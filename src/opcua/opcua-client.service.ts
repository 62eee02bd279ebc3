import { assertUnitInScope, mayAccessUnit, type Principal } from '../common/auth/principal.js';
import {
  BadGatewayException,
  BadRequestException,
  ConflictException,
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  AttributeIds,
  BrowseDirection,
  ClientMonitoredItem,
  type ClientSession,
  ClientSubscription,
  DataType,
  type DataValue,
  MessageSecurityMode,
  NodeClass,
  OPCUACertificateManager,
  OPCUAClient,
  type ReferenceDescription,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  UserTokenType,
  type UserIdentityInfo,
} from 'node-opcua';
import { Backoff } from '../common/backoff.js';
import { EventBus } from '../common/bus/event-bus.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats } from '../common/metrics/pipeline-stats.js';
import { AppConfig } from '../config/app-config.js';
import { Batcher } from '../processor/batcher.js';
import { mapDataChange, type NodeMapping } from './data-change.mapper.js';
import { OpcuaMappingRepository } from './opcua-mapping.repository.js';
import { describeOpcuaError, type OpcuaErrorKind } from './opcua-errors.js';
import type { OpcuaSecurityMode, OpcuaSecurityPolicy } from './opcua-security.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { opcuaSamples } from './opcua.metrics.js';
import { decideConnect } from './connect-request.js';

/**
 * `disabled`: never configured nor connected. `connecting`: first connection (start-up retries included).
 * `reconnecting`: the connection was lost and node-opcua is re-establishing it. `disconnected`: after an
 * explicit disconnect; nothing is retried.
 */
export type OpcuaConnectionState = 'disabled' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** Where and how to connect; the password stays in here and is never logged or returned. */
export interface OpcuaConnectSettings {
  endpointUrl: string;
  securityMode: OpcuaSecurityMode;
  securityPolicy: OpcuaSecurityPolicy;
  username?: string;
  password?: string;
}

/** One mapping as the API reports it: the stored row plus its monitored item's state on this connection. */
export interface MappingState extends NodeMapping {
  /** A monitored item exists on the server for this node. */
  active: boolean;
  /** Why the server refused the monitored item (e.g. BadNodeIdUnknown), if it did. */
  error?: string;
}

/** The module's counters and state, for /health, the status endpoint and /metrics. */
export interface OpcuaSnapshot {
  state: OpcuaConnectionState;
  connected: boolean;
  /** OPCUA_SERVER_URL is set: the client connects at start-up. */
  configured: boolean;
  endpointUrl?: string;
  securityMode: OpcuaSecurityMode;
  securityPolicy: OpcuaSecurityPolicy;
  username?: string;
  mappings: number;
  /** Monitored items node-opcua holds on the current subscription. */
  monitoredItems: number;
  /** Monitored items the server accepted and is sampling. */
  subscribedNodes: number;
  /** Connection losses after which node-opcua reconnected by itself. */
  reconnects: number;
  connectionLosses: number;
  dataChanges: number;
  readingsEmitted: number;
  rejected: number;
  batchesEmitted: number;
  lastError?: string;
}

/** A node and, down to the requested depth, its children. */
export interface BrowsedNode {
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: string;
  dataType?: string;
  children?: BrowsedNode[];
}

/** A node's current value as read. */
export interface ReadResult {
  nodeId: string;
  value: unknown;
  dataType?: string;
  statusCode: number;
  status: string;
  quality: 'GOOD' | 'UNCERTAIN' | 'BAD';
  sourceTimestamp?: Date;
  serverTimestamp?: Date;
}

interface Connection {
  readonly settings: OpcuaConnectSettings;
  readonly client: OPCUAClient;
  readonly session: ClientSession;
  readonly subscription: ClientSubscription;
  /** By mapping id. */
  readonly items: Map<string, ClientMonitoredItem>;
}

/** Most nodes one browse call returns, whatever the depth: a browse of a big server must not build megabytes. */
const MAX_BROWSE_NODES = 2000;
const RECONNECT_MIN_MS = 500;
/** Longest wait for each step of closing a connection (subscription, session, channel). */
const CLOSE_STEP_MS = 2000;

/**
 * The OPC UA client: one connection (endpoint, security, user), one subscription, one monitored item per node
 * mapping. Data changes arrive as monitored item notifications (no polling), are mapped (scale, offset, status
 * code → quality, source timestamp) and gathered into batches that go out on the bus as `readings.received`,
 * exactly like MQTT's. node-opcua's connection strategy re-establishes a lost connection by itself and restores
 * the session, its subscription and its monitored items (republish, transfer or re-creation), so nothing is
 * re-created here after a reconnect and no item is ever duplicated.
 */
@Injectable()
export class OpcuaClientService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OpcuaClientService.name);
  private readonly throttled = new ThrottledLogger(this.logger);
  private state: OpcuaConnectionState = 'disabled';
  private connection?: Connection;
  /** Settings of the current or last connection. */
  private settings?: OpcuaConnectSettings;
  private readonly mappings = new Map<string, NodeMapping>();
  private readonly itemErrors = new Map<string, string>();
  private lastError?: string;
  /** Bumped by every connect and disconnect: a start-up retry loop or a late event of an old client sees it moved. */
  private generation = 0;
  private retryTimer?: NodeJS.Timeout;
  private certificates?: Promise<OPCUACertificateManager>;
  private readonly batcher: Batcher;
  private counters = {
    reconnects: 0,
    connectionLosses: 0,
    dataChanges: 0,
    rejected: 0,
  };

  constructor(
    private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly stats: PipelineStats,
    private readonly repository: OpcuaMappingRepository,
    private readonly metrics: FeatureRegistry,
  ) {
    // Data changes need no acknowledgement: batches go out on size and window only.
    this.batcher = new Batcher({
      maxMessages: config.ingestBatchSize,
      windowMs: config.ingestBatchWindowMs,
      sink: (batch) => bus.emit('readings.received', batch),
    });
  }

  /** Restores the stored mappings, then connects in the background if OPCUA_SERVER_URL is set. */
  async onApplicationBootstrap(): Promise<void> {
    this.metrics.register('opcua', () => opcuaSamples(this.snapshot()));
    for (const mapping of await this.repository.list()) this.mappings.set(mapping.id, mapping);
    const url = this.config.opcuaServerUrl;
    if (url === undefined) return;
    const settings: OpcuaConnectSettings = {
      endpointUrl: url,
      securityMode: this.config.opcuaSecurityMode,
      securityPolicy: this.config.opcuaSecurityPolicy,
      username: this.config.opcuaUsername,
      password: this.config.opcuaPassword,
    };
    this.settings = settings;
    this.state = 'connecting';
    // Start-up must not wait for a plant server: the first attempt and its retries run in the background.
    const backoff = new Backoff({ initialMs: RECONNECT_MIN_MS, maxMs: this.config.opcuaReconnectMaxMs });
    this.retryStartup(settings, ++this.generation, backoff);
  }

  /** Before any module's shutdown: the session closes cleanly while a server in this process (demo) still runs. */
  async beforeApplicationShutdown(): Promise<void> {
    this.generation++;
    clearTimeout(this.retryTimer);
    await this.close();
    this.flush();
  }

  /**
   * Connects now, or fails with a clear error (nothing is retried then: the caller fixes the settings). Asked for the
   * connection that exists or is being made (a repeated call, or a call racing the start-up connection), answers
   * with its state; asked for another one meanwhile, refuses (409) naming the endpoint in use.
   */
  async connect(settings: OpcuaConnectSettings): Promise<OpcuaSnapshot> {
    const decision = decideConnect(this.state, this.settings, settings);
    if (decision.action === 'current') return this.snapshot();
    if (decision.action === 'conflict') throw new ConflictException(decision.reason);
    const generation = ++this.generation;
    clearTimeout(this.retryTimer);
    this.settings = settings;
    this.state = 'connecting';
    try {
      await this.open(settings, generation);
    } catch (err) {
      if (generation === this.generation) this.state = 'disconnected';
      throw this.httpError(err, settings);
    }
    return this.snapshot();
  }

  /** Closes the session and the connection, and stops any retrying. Mappings stay stored. */
  async disconnect(): Promise<OpcuaSnapshot> {
    if (this.state === 'disabled' || this.state === 'disconnected') {
      throw new ConflictException('OPC UA is not connected');
    }
    this.generation++;
    clearTimeout(this.retryTimer);
    this.state = 'disconnected';
    await this.close();
    this.flush();
    this.logger.log(`Disconnected from ${this.settings?.endpointUrl ?? 'the OPC UA server'}`);
    return this.snapshot();
  }

  /** Browses from `nodeId` down `depth` levels of hierarchical references. */
  async browse(nodeId: string, depth: number): Promise<BrowsedNode> {
    const session = this.requireSession();
    try {
      const [browseName, displayName, nodeClass, dataType] = await session.read(
        [AttributeIds.BrowseName, AttributeIds.DisplayName, AttributeIds.NodeClass, AttributeIds.DataType].map(
          (attributeId) => ({ nodeId, attributeId }),
        ),
      );
      this.throwIfUnknown(nodeId, browseName.statusCode.value);
      const root: BrowsedNode = {
        nodeId,
        browseName: String(browseName.value.value),
        displayName: String((displayName.value.value as { text?: string } | null)?.text ?? ''),
        nodeClass: NodeClass[Number(nodeClass.value.value)] ?? String(nodeClass.value.value),
        dataType: dataType.statusCode.value === 0 ? dataTypeName(dataType.value.value) : undefined,
      };
      const budget = { left: MAX_BROWSE_NODES };
      await this.browseChildren(session, [root], depth, budget);
      return root;
    } catch (err) {
      throw this.httpError(err, this.settings);
    }
  }

  /** Reads the Value attribute of each node, with its status code and both timestamps. */
  async read(nodeIds: string[]): Promise<ReadResult[]> {
    const session = this.requireSession();
    try {
      const values = await session.read(
        nodeIds.flatMap((nodeId) => [
          { nodeId, attributeId: AttributeIds.Value },
          { nodeId, attributeId: AttributeIds.DataType },
        ]),
        0,
      );
      const unknown = nodeIds.filter((_, i) => isUnknownNode(values[2 * i].statusCode.value));
      if (unknown.length > 0) {
        throw new NotFoundException(`Unknown node id(s) on ${session.endpoint.endpointUrl}: ${unknown.join(', ')}`);
      }
      return nodeIds.map((nodeId, i) => {
        const dv = values[2 * i];
        const type = values[2 * i + 1];
        const code = dv.statusCode.value;
        return {
          nodeId,
          value: jsonValue(dv.value.value),
          dataType: type.statusCode.value === 0 ? dataTypeName(type.value.value) : undefined,
          statusCode: code,
          status: dv.statusCode.name,
          quality: code >>> 30 === 0 ? 'GOOD' : code >>> 30 === 1 ? 'UNCERTAIN' : 'BAD',
          sourceTimestamp: dv.sourceTimestamp ?? undefined,
          serverTimestamp: dv.serverTimestamp ?? undefined,
        };
      });
    } catch (err) {
      throw this.httpError(err, this.settings);
    }
  }

  /**
   * Stores a mapping and, when connected, monitors its node at once. While connected the node must exist (404
   * otherwise); while not, the mapping is stored and monitored on the next connection.
   */
  async subscribe(request: Omit<NodeMapping, 'id' | 'createdAt'>): Promise<MappingState> {
    const connection = this.state === 'connected' ? this.connection : undefined;
    if (connection) {
      let code: number;
      try {
        const [dv] = await connection.session.read([{ nodeId: request.nodeId, attributeId: AttributeIds.NodeClass }]);
        code = dv.statusCode.value;
      } catch (err) {
        throw this.httpError(err, connection.settings);
      }
      this.throwIfUnknown(request.nodeId, code);
      if (code !== 0)
        throw new BadGatewayException(`The server refused to read node '${request.nodeId}': ${hex(code)}`);
    }
    const inserted = await this.repository.insert(request);
    if (!inserted.ok) {
      const { field, existing } = inserted.conflict;
      throw new ConflictException(
        field === 'node_id'
          ? `Node '${request.nodeId}' is already mapped (to ${existing.unitId}/${existing.sensorType}, id ${existing.id})`
          : `${request.unitId}/${request.sensorType} is already fed by node '${existing.nodeId}' (id ${existing.id})`,
      );
    }
    const mapping = inserted.mapping;
    this.mappings.set(mapping.id, mapping);
    if (this.connection) {
      const item = this.monitor(this.connection, mapping);
      await withTimeout(settled(item), this.config.opcuaTimeoutMs, 'not confirmed').catch(() => undefined);
    }
    this.logger.log(
      `Mapped ${mapping.nodeId} → ${mapping.unitId}/${mapping.sensorType} (×${mapping.scaleFactor} + ${mapping.offset})`,
    );
    return this.mappingState(mapping);
  }

  /** The mappings of the units the caller may access. */
  subscriptions(by: Principal): MappingState[] {
    return [...this.mappings.values()].filter((m) => mayAccessUnit(by, m.unitId)).map((m) => this.mappingState(m));
  }

  async unsubscribe(id: string, by: Principal): Promise<MappingState> {
    const mapping = this.mappings.get(id);
    if (mapping) assertUnitInScope(by, mapping.unitId, `OPC UA mapping ${id}`);
    if (!mapping || !(await this.repository.remove(id))) throw new NotFoundException(`Unknown OPC UA mapping '${id}'`);
    const state = this.mappingState(mapping);
    this.mappings.delete(id);
    this.itemErrors.delete(id);
    const item = this.connection?.items.get(id);
    if (item) {
      this.connection?.items.delete(id);
      await item.terminate().catch((err: unknown) => this.logger.warn(`Removing monitored item: ${message(err)}`));
    }
    this.logger.log(`Unmapped ${mapping.nodeId} (${mapping.unitId}/${mapping.sensorType})`);
    return { ...state, active: false };
  }

  snapshot(): OpcuaSnapshot {
    const connection = this.connection;
    const items = connection ? Object.keys(connection.subscription.monitoredItems).length : 0;
    let subscribed = 0;
    if (connection) for (const id of connection.items.keys()) if (!this.itemErrors.has(id)) subscribed++;
    return {
      state: this.state,
      connected: this.state === 'connected',
      configured: this.config.opcuaServerUrl !== undefined,
      endpointUrl: this.settings?.endpointUrl,
      securityMode: this.settings?.securityMode ?? this.config.opcuaSecurityMode,
      securityPolicy: this.settings?.securityPolicy ?? this.config.opcuaSecurityPolicy,
      username: this.settings?.username,
      mappings: this.mappings.size,
      monitoredItems: items,
      subscribedNodes: this.state === 'connected' ? subscribed : 0,
      ...this.counters,
      readingsEmitted: this.batcher.readingsEmitted,
      batchesEmitted: this.batcher.batchesEmitted,
      lastError: this.lastError,
    };
  }

  /** Browses every node of `level`, then the next level, until the depth or the budget runs out. */
  private async browseChildren(session: ClientSession, level: BrowsedNode[], depth: number, budget: Budget) {
    if (depth <= 0 || level.length === 0 || budget.left <= 0) return;
    const results = await session.browse(
      level.map((node) => ({
        nodeId: node.nodeId,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: 'HierarchicalReferences',
        includeSubtypes: true,
        nodeClassMask: 0,
        resultMask: 0x3f,
      })),
    );
    const next: BrowsedNode[] = [];
    const variables: BrowsedNode[] = [];
    results.forEach((result, i) => {
      const parent = level[i];
      parent.children = [];
      for (const ref of result.references ?? []) {
        if (budget.left <= 0) break;
        budget.left--;
        const child = toBrowsedNode(ref);
        parent.children.push(child);
        next.push(child);
        if (Number(ref.nodeClass) === Number(NodeClass.Variable)) variables.push(child);
      }
    });
    if (variables.length > 0) {
      const types = await session.read(
        variables.map((v) => ({ nodeId: v.nodeId, attributeId: AttributeIds.DataType })),
      );
      types.forEach((t, i) => {
        if (t.statusCode.value === 0) variables[i].dataType = dataTypeName(t.value.value);
      });
    }
    await this.browseChildren(session, next, depth - 1, budget);
  }

  private mappingState(mapping: NodeMapping): MappingState {
    const error = this.itemErrors.get(mapping.id);
    const active = this.state === 'connected' && this.connection?.items.has(mapping.id) === true && !error;
    return { ...mapping, active, error };
  }

  private requireSession(): ClientSession {
    if (this.state === 'connected' && this.connection) return this.connection.session;
    const hint =
      this.state === 'reconnecting' || this.state === 'connecting'
        ? `OPC UA is ${this.state} to ${this.settings?.endpointUrl}${this.lastError ? ` (${this.lastError})` : ''}`
        : 'OPC UA is not connected: POST /api/v1/scada/opcua/connect, or set OPCUA_SERVER_URL';
    throw new ServiceUnavailableException(hint);
  }

  private throwIfUnknown(nodeId: string, code: number): void {
    if (isUnknownNode(code)) {
      throw new NotFoundException(`Unknown node id '${nodeId}' on ${this.settings?.endpointUrl ?? 'the server'}`);
    }
    if (code === StatusCodes.BadNodeIdInvalid.value) {
      throw new BadRequestException(`Invalid node id '${nodeId}'`);
    }
  }

  /** One connection attempt at start-up; failures are retried with backoff until a connect or disconnect. */
  private retryStartup(settings: OpcuaConnectSettings, generation: number, backoff: Backoff): void {
    this.open(settings, generation).catch((err: unknown) => {
      if (generation !== this.generation) return;
      const problem = describeOpcuaError(err, settings);
      this.lastError = problem.message;
      if (backoff.attempts === 0) this.logger.warn(`OPC UA ${settings.endpointUrl}: ${problem.message}; retrying`);
      else this.throttled.warn('startup', `OPC UA ${settings.endpointUrl} still unreachable: ${problem.message}`);
      this.retryTimer = setTimeout(() => this.retryStartup(settings, generation, backoff), backoff.next());
    });
  }

  private certificateManager(): Promise<OPCUACertificateManager> {
    this.certificates ??= (async () => {
      // Server certificates are not trusted blindly: an unknown one lands in <pki>/rejected, from where an
      // administrator moves it to <pki>/trusted/certs. Security mode None exchanges no certificates.
      const manager = new OPCUACertificateManager({
        rootFolder: this.config.opcuaPkiDir,
        automaticallyAcceptUnknownCertificate: false,
      });
      await manager.initialize();
      return manager;
    })();
    return this.certificates;
  }

  /** Connects, opens a session and a subscription, and monitors every mapped node. */
  private async open(settings: OpcuaConnectSettings, generation: number): Promise<void> {
    const timeout = this.config.opcuaTimeoutMs;
    const client = OPCUAClient.create({
      applicationName: 'ThermaCore SCADA Core',
      clientName: 'thermacore',
      endpointMustExist: false,
      securityMode: MessageSecurityMode[settings.securityMode],
      securityPolicy: SecurityPolicy[settings.securityPolicy],
      clientCertificateManager: await this.certificateManager(),
      // maxRetry only bounds the first connection (one retry, so a wrong endpoint fails fast and clearly);
      // node-opcua retries a lost connection forever with the same delays.
      connectionStrategy: { initialDelay: RECONNECT_MIN_MS, maxDelay: this.config.opcuaReconnectMaxMs, maxRetry: 1 },
      requestedSessionTimeout: Math.max(60_000, 6 * this.config.opcuaReconnectMaxMs),
      defaultTransactionTimeout: timeout,
    });
    let session: ClientSession | undefined;
    try {
      await withTimeout(client.connect(settings.endpointUrl), timeout, `no answer within ${timeout} ms`);
      const identity: UserIdentityInfo =
        settings.username === undefined
          ? { type: UserTokenType.Anonymous }
          : { type: UserTokenType.UserName, userName: settings.username, password: settings.password ?? '' };
      session = await withTimeout(client.createSession(identity), timeout, `no session within ${timeout} ms`);
    } catch (err) {
      await client.disconnect().catch(() => undefined);
      throw err;
    }
    if (generation !== this.generation) {
      // A disconnect or another connect came while this one was on its way.
      await session.close().catch(() => undefined);
      await client.disconnect().catch(() => undefined);
      throw new Error('superseded by a later connect or disconnect');
    }
    const subscription = ClientSubscription.create(session, {
      requestedPublishingInterval: this.config.opcuaPublishingIntervalMs,
      requestedLifetimeCount: 1000,
      requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 10_000,
      publishingEnabled: true,
      priority: 10,
    });
    const connection: Connection = { settings, client, session, subscription, items: new Map() };
    this.watch(connection, generation);
    this.connection = connection;
    this.state = 'connected';
    this.lastError = undefined;
    this.itemErrors.clear();
    const items = [...this.mappings.values()].map((mapping) => this.monitor(connection, mapping));
    // Answer once the server has accepted (or refused) every item, so the status that follows is the real one.
    await withTimeout(Promise.all(items.map(settled)), timeout, 'monitored items not confirmed').catch(() => undefined);
    this.logger.log(
      `Connected to ${settings.endpointUrl} (security ${settings.securityMode}/${settings.securityPolicy}` +
        `${settings.username ? `, user ${settings.username}` : ', anonymous'}); monitoring ${this.mappings.size} node(s)`,
    );
  }

  /** Follows the connection through node-opcua's reconnection, for the state, the counters and the log. */
  private watch(connection: Connection, generation: number): void {
    const { client, session, settings } = connection;
    const current = (): boolean => generation === this.generation && this.connection === connection;
    client.on('connection_lost', () => {
      if (!current()) return;
      this.counters.connectionLosses++;
      this.state = 'reconnecting';
      this.lastError = 'connection lost';
      this.flush();
      this.logger.warn(`Lost the connection to ${settings.endpointUrl}; reconnecting`);
    });
    client.on('backoff', (attempt: number, delay: number) => {
      if (!current()) return;
      this.lastError = `server unreachable; attempt ${attempt + 1}, next in ${Math.round(delay)} ms`;
    });
    client.on('connection_reestablished', () => {
      if (!current()) return;
      this.counters.reconnects++;
      this.state = 'connected';
      this.lastError = undefined;
      this.logger.log(
        `Reconnected to ${settings.endpointUrl}; ${Object.keys(connection.subscription.monitoredItems).length} monitored item(s)`,
      );
    });
    session.on('session_closed', () => {
      if (current()) this.state = 'reconnecting';
    });
    connection.subscription.on('internal_error', (err: Error) => {
      if (current()) this.throttled.warn('subscription', `OPC UA subscription error: ${err.message}`);
    });
  }

  private monitor(connection: Connection, mapping: NodeMapping): ClientMonitoredItem {
    const item = ClientMonitoredItem.create(
      connection.subscription,
      { nodeId: mapping.nodeId, attributeId: AttributeIds.Value },
      // A queue keeps every sample taken between two publishes when sampling is faster than publishing.
      { samplingInterval: mapping.samplingIntervalMs, queueSize: 100, discardOldest: true },
      TimestampsToReturn.Both,
    );
    item.on('changed', (dv: DataValue) => this.take(mapping, dv));
    item.on('initialized', () => this.itemErrors.delete(mapping.id));
    item.on('err', (problem: string) => {
      this.itemErrors.set(mapping.id, problem);
      this.throttled.warn(`item:${mapping.id}`, `Monitoring ${mapping.nodeId} failed: ${problem}`);
    });
    connection.items.set(mapping.id, item);
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

  /** Sends what has been gathered down the pipeline now. */
  private flush(): void {
    this.batcher.flush();
  }

  private async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (!connection) return;
    // Each step is bounded: with the server gone (a shutdown that stops the demo server too, a dead plant
    // server) node-opcua would wait for answers that never come.
    const bounded = (step: Promise<unknown>) =>
      withTimeout(step, CLOSE_STEP_MS, 'no answer').then(
        () => undefined,
        () => undefined,
      );
    if (!connection.client.isReconnecting) {
      await bounded(connection.subscription.terminate());
      await bounded(connection.session.close());
    }
    await bounded(connection.client.disconnect());
  }

  private httpError(err: unknown, settings: OpcuaConnectSettings | undefined): HttpException {
    if (err instanceof HttpException) return err;
    const problem = describeOpcuaError(err, settings);
    if (settings) this.lastError = problem.message;
    this.logger.warn(`OPC UA ${settings?.endpointUrl ?? ''}: ${problem.message}`);
    return toHttp(problem.kind, problem.message);
  }
}

function toHttp(kind: OpcuaErrorKind, text: string): HttpException {
  switch (kind) {
    case 'security_rejected':
    case 'bad_request':
      return new BadRequestException(text);
    case 'unknown_node':
      return new NotFoundException(text);
    case 'unreachable':
    case 'certificate':
    case 'identity_rejected':
    case 'server_error':
      return new BadGatewayException(text);
    case 'not_connected':
      return new ServiceUnavailableException(text);
  }
}

function toBrowsedNode(ref: ReferenceDescription): BrowsedNode {
  return {
    nodeId: ref.nodeId.toString(),
    browseName: ref.browseName.toString(),
    displayName: ref.displayName.text ?? '',
    nodeClass: NodeClass[ref.nodeClass] ?? String(ref.nodeClass),
  };
}

/** Resolves when the server has accepted or refused the monitored item. */
function settled(item: ClientMonitoredItem): Promise<void> {
  return new Promise<void>((resolve) => {
    item.once('initialized', () => resolve());
    item.once('err', () => resolve());
  });
}

function isUnknownNode(code: number): boolean {
  return code === StatusCodes.BadNodeIdUnknown.value;
}

function hex(code: number): string {
  return `0x${code.toString(16).padStart(8, '0')}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Built-in data types by name (Double, Int32, ...); others by their node id. */
function dataTypeName(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const id = value as { namespace?: number; value?: unknown; toString(): string };
  if (id.namespace === 0 && typeof id.value === 'number') {
    const name = DataType[id.value] as string | undefined;
    if (name !== undefined) return name;
  }
  return id.toString();
}

/** A variant's value in JSON terms: dates as ISO text, typed arrays as arrays, structures as their text form. */
function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>).slice(0, 1000);
  }
  if (Array.isArray(value)) return value.slice(0, 1000).map(jsonValue);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  // Structures (extension objects, localized text, node ids) print themselves readably.
  return (value as { toString(): string }).toString();
}

async function withTimeout<T>(promise: Promise<T>, ms: number, problem: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(problem)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** How many more nodes a browse may add. */
interface Budget {
  left: number;
}
