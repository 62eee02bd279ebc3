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
import type { ClientSession, OPCUACertificateManager, OPCUAClient, UserIdentityInfo } from 'node-opcua';
import { loadNodeOpcua } from '../common/lazy/node-opcua.loader.js';
import { Backoff } from '../common/backoff.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { AppConfig } from '../config/app-config.js';
import { decideConnect } from './connect-request.js';
import { describeOpcuaError, type OpcuaErrorKind } from './opcua-errors.js';
import type { OpcuaSecurityMode, OpcuaSecurityPolicy } from './opcua-security.js';
import type { OpcuaSessionKeeper } from './opcua-session.keeper.js';
import { opcuaSamples } from './opcua.metrics.js';
import { withTimeout } from './timeout.js';

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

interface Connection {
  readonly settings: OpcuaConnectSettings;
  readonly client: OPCUAClient;
  readonly session: ClientSession;
}

const RECONNECT_MIN_MS = 500;
/** Longest wait for each step of closing a connection (subscription, session, channel). */
const CLOSE_STEP_MS = 2000;

/**
 * The OPC UA connection and its session: one endpoint, security mode and user at a time, connected at start-up
 * (retried with backoff in the background) or on request, and its state and counters for the status. node-opcua's
 * connection strategy re-establishes a lost connection by itself and restores the session with its subscription and
 * monitored items (republish, transfer or re-creation), so nothing is re-created after a reconnect. Monitoring is the
 * keeper's business (OpcuaSubscriptionsService); browsing and reading go through OpcuaNodeIoService.
 */
@Injectable()
export class OpcuaSessionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OpcuaSessionService.name);
  private readonly throttled = new ThrottledLogger(this.logger);
  private state: OpcuaConnectionState = 'disabled';
  private connection?: Connection;
  /** Settings of the current or last connection. */
  private settings?: OpcuaConnectSettings;
  private keeper?: OpcuaSessionKeeper;
  private lastError?: string;
  /** Bumped by every connect and disconnect: a start-up retry loop or a late event of an old client sees it moved. */
  private generation = 0;
  private retryTimer?: NodeJS.Timeout;
  private certificates?: Promise<OPCUACertificateManager>;
  private counters = {
    reconnects: 0,
    connectionLosses: 0,
  };

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: FeatureRegistry,
  ) {}

  /** What is monitored on every session; registered by OpcuaSubscriptionsService. */
  useSessionKeeper(keeper: OpcuaSessionKeeper): void {
    this.keeper = keeper;
  }

  /** Restores what is monitored, then connects in the background if OPCUA_SERVER_URL is set. */
  async onApplicationBootstrap(): Promise<void> {
    this.metrics.register('opcua', () => opcuaSamples(this.snapshot()));
    await this.keeper?.prepare();
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
    this.keeper?.flush();
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** The endpoint of the current or last connection. */
  get endpointUrl(): string | undefined {
    return this.settings?.endpointUrl;
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
    this.keeper?.flush();
    this.logger.log(`Disconnected from ${this.settings?.endpointUrl ?? 'the OPC UA server'}`);
    return this.snapshot();
  }

  snapshot(): OpcuaSnapshot {
    const monitoring = this.keeper?.report();
    return {
      state: this.state,
      connected: this.state === 'connected',
      configured: this.config.opcuaServerUrl !== undefined,
      endpointUrl: this.settings?.endpointUrl,
      securityMode: this.settings?.securityMode ?? this.config.opcuaSecurityMode,
      securityPolicy: this.settings?.securityPolicy ?? this.config.opcuaSecurityPolicy,
      username: this.settings?.username,
      mappings: monitoring?.mappings ?? 0,
      monitoredItems: monitoring?.monitoredItems ?? 0,
      subscribedNodes: monitoring?.subscribedNodes ?? 0,
      ...this.counters,
      dataChanges: monitoring?.dataChanges ?? 0,
      rejected: monitoring?.rejected ?? 0,
      readingsEmitted: monitoring?.readingsEmitted ?? 0,
      batchesEmitted: monitoring?.batchesEmitted ?? 0,
      lastError: this.lastError,
    };
  }

  /** The session, if connected; otherwise 503 naming the state (for every REST call that needs the server). */
  requireSession(): ClientSession {
    if (this.state === 'connected' && this.connection) return this.connection.session;
    const hint =
      this.state === 'reconnecting' || this.state === 'connecting'
        ? `OPC UA is ${this.state} to ${this.settings?.endpointUrl}${this.lastError ? ` (${this.lastError})` : ''}`
        : 'OPC UA is not connected: POST /api/v1/scada/opcua/connect, or set OPCUA_SERVER_URL';
    throw new ServiceUnavailableException(hint);
  }

  /**
   * A failed request to the server as the HTTP error a user can act on; a node-opcua error also becomes the last
   * error of the status.
   */
  toHttpError(err: unknown): HttpException {
    return this.httpError(err, this.settings);
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
      const opcua = await loadNodeOpcua();
      // Server certificates are not trusted blindly: an unknown one lands in <pki>/rejected, from where an
      // administrator moves it to <pki>/trusted/certs. Security mode None exchanges no certificates.
      const manager = new opcua.OPCUACertificateManager({
        rootFolder: this.config.opcuaPkiDir,
        automaticallyAcceptUnknownCertificate: false,
      });
      await manager.initialize();
      return manager;
    })();
    return this.certificates;
  }

  /** Connects, opens a session, and has the keeper monitor every mapped node on it. */
  private async open(settings: OpcuaConnectSettings, generation: number): Promise<void> {
    const timeout = this.config.opcuaTimeoutMs;
    const opcua = await loadNodeOpcua();
    const client = opcua.OPCUAClient.create({
      applicationName: 'ThermaCore SCADA Core',
      clientName: 'thermacore',
      endpointMustExist: false,
      securityMode: opcua.MessageSecurityMode[settings.securityMode],
      securityPolicy: opcua.SecurityPolicy[settings.securityPolicy],
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
          ? { type: opcua.UserTokenType.Anonymous }
          : { type: opcua.UserTokenType.UserName, userName: settings.username, password: settings.password ?? '' };
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
    const connection: Connection = { settings, client, session };
    this.watch(connection, generation);
    this.connection = connection;
    this.state = 'connected';
    this.lastError = undefined;
    // Answers once the server has accepted (or refused) every item, so the status that follows is the real one.
    await this.keeper?.opened(session);
    this.logger.log(
      `Connected to ${settings.endpointUrl} (security ${settings.securityMode}/${settings.securityPolicy}` +
        `${settings.username ? `, user ${settings.username}` : ', anonymous'}); monitoring ${this.keeper?.report().mappings ?? 0} node(s)`,
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
      this.keeper?.flush();
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
        `Reconnected to ${settings.endpointUrl}; ${this.keeper?.report().monitoredItems ?? 0} monitored item(s)`,
      );
    });
    session.on('session_closed', () => {
      if (current()) this.state = 'reconnecting';
    });
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
    const reconnecting = connection.client.isReconnecting;
    await bounded(this.keeper?.closing(!reconnecting) ?? Promise.resolve());
    if (!reconnecting) await bounded(connection.session.close());
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
