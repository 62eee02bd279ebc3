import { AuditTrail } from '../common/audit/audit-trail.js';
import { readFileSync } from 'node:fs';
import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  ServiceUnavailableException,
} from '@nestjs/common';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Backoff } from '../common/backoff.js';
import { EventBus } from '../common/bus/event-bus.js';
import type { MqttConnectionState } from './mqtt.events.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats } from '../pipeline/pipeline-stats.js';
import { AppConfig } from '../config/app-config.js';
import { RUNTIME_INFO, type RuntimeInfo } from '../config/runtime.js';
import { type BrokerSettings, clientOptions, type TlsMaterial } from './mqtt-client.options.js';
import { MqttIngestService } from './mqtt-ingest.service.js';
import type { MqttSessionKeeper } from './mqtt-session.keeper.js';
import type { SubscriptionState } from './mqtt-subscription.set.js';

/** MQTT connect-refusal codes meaning "I do not speak this protocol version" (3.1.1 and MQTT 5 spellings). */
const UNSUPPORTED_PROTOCOL = new Set([1, 132]);
/** MQTT 5 CONNACK "Retain not supported": the broker refuses a retained will (the Sparkplug host's STATE is one). */
const RETAIN_NOT_SUPPORTED = 0x9a;
/** How long POST /connect waits for the broker before answering (the client keeps trying after that). */
const CONNECT_WAIT_MS = 5000;
/** How long a disconnect or shutdown waits for gathered messages to commit, so their PUBACKs still go out. */
const DRAIN_WAIT_MS = 3000;
const FALLBACK_RETRY_MS = 100;
/** Fraction of each reconnect delay drawn at random (MQTT_RECONNECT_MIN_MS documents it). */
const RECONNECT_JITTER = 0.5;

/** What POST /connect may change; the rest comes from the configuration. */
export interface ConnectOverrides {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  clientId?: string;
  keepalive?: number;
  tls?: boolean;
}

/** The connection, its subscriptions and its counters, at one moment. Never holds the password. */
export interface MqttSnapshot {
  state: MqttConnectionState;
  connected: boolean;
  broker: Omit<BrokerSettings, 'password'>;
  protocolVersion: 4 | 5;
  sharedGroup?: string;
  /** Filters the broker confirmed on the current connection, in subscription order. */
  subscribedTopics: string[];
  subscriptions: SubscriptionState[];
  reconnects: number;
  /** While reconnecting: the current backoff delay between attempts. */
  reconnectDelayMs?: number;
  pendingAcks: number;
  /** Reading from the broker is paused until commits release held PUBACKs (MQTT_MAX_PENDING_ACKS). */
  intakePaused: boolean;
  intakePauses: number;
  lastError?: string;
  messages: {
    /** Every message taken in, on any subscription. */
    received: number;
    /** Readings and unit statuses that passed validation. */
    accepted: number;
    rejected: number;
    rejectedByReason: Record<string, number>;
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/**
 * Owns the backend's MQTT client: connects (MQTT 5 with a persistent session, falling back to 3.1.1 when the
 * broker refuses 5) with the configured or overridden broker and credentials, reconnects by itself with capped
 * exponential backoff and jitter, and reports its state. On every connection it has the session keeper
 * (MqttSubscriptionsService) restore the subscriptions; MqttPublisher publishes through its client. Control path
 * only: every message goes straight to MqttIngestService.
 */
@Injectable()
export class MqttConnectionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MqttConnectionService.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  /** Reconnect delays: doubling from MQTT_RECONNECT_MIN_MS up to MQTT_RECONNECT_MAX_MS, half of each random. */
  private readonly backoff: Backoff;
  private broker: BrokerSettings;
  private client?: MqttClient;
  private will?: () => IClientOptions['will'];
  /** Keeps the session's subscriptions; registered by MqttSubscriptionsService. */
  private keeper?: MqttSessionKeeper;
  /** Whether the current connection has had its session restored (its subscriptions applied). */
  private sessionRestored = false;
  private reconnectDelayMs: number | undefined;
  private lastError: string | undefined;
  /** The broker just refused MQTT 5: the next attempt (with 3.1.1) goes at once, not after a backoff delay. */
  private fallingBack = false;
  /** Control operations run one at a time: two concurrent connects must not both build a client. */
  private control: Promise<unknown> = Promise.resolve();
  reconnects = 0;

  constructor(
    private readonly config: AppConfig,
    @Inject(RUNTIME_INFO) private readonly runtime: RuntimeInfo,
    private readonly bus: EventBus,
    private readonly stats: PipelineStats,
    private readonly ingest: MqttIngestService,
  ) {
    // Half of each delay is random: N backends losing one broker spread their retries over the whole window.
    this.backoff = new Backoff({
      initialMs: config.mqttReconnectMinMs,
      maxMs: config.mqttReconnectMaxMs,
      jitter: RECONNECT_JITTER,
    });
    this.broker = this.settings({});
  }

  /**
   * The last will of every connection (Sparkplug's STATE death), asked for again before each attempt, so that a
   * reconnect carries a fresh one; its birth is published by the feature on `mqtt.connection_changed`.
   */
  useWill(will: () => IClientOptions['will']): void {
    this.will = will;
  }

  /** The session's subscriptions are restored through `keeper` on every connection. */
  useSessionKeeper(keeper: MqttSessionKeeper): void {
    this.keeper = keeper;
  }

  /** Connects only once every module has subscribed to the bus, so no early batch finds nobody listening. */
  async onApplicationBootstrap(): Promise<void> {
    await this.keeper?.prepare(this.broker.clientId);
    this.start();
  }

  /** Before the writer stops: what was gathered still commits and gets its PUBACKs, then the client says goodbye. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.runExclusive(() => this.stop());
  }

  /**
   * First step of a graceful shutdown: no more messages are taken in (the broker keeps the rest for the next
   * session), what was gathered goes down the pipeline, and the connection stays up for its PUBACKs.
   */
  holdIntake(): void {
    this.ingest.hold();
  }

  /** Last step of a graceful shutdown: waits (until `deadline`) for the held PUBACKs, then disconnects. */
  async shutdown(deadline: number): Promise<void> {
    await this.runExclusive(() => this.stop(Math.max(0, deadline - Date.now())));
  }

  /** Messages left to the broker while intake was held (QoS 1, redelivered) or dropped (QoS 0). */
  get intakeRefused(): { withheld: number; dropped: number } {
    return { withheld: this.ingest.messagesWithheld, dropped: this.ingest.messagesDroppedWhileHeld };
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** The client id of the current (or next) connection: the broker keeps one session per client id. */
  get clientId(): string {
    return this.broker.clientId;
  }

  get state(): MqttConnectionState {
    return this.client === undefined ? 'disconnected' : this.client.connected ? 'connected' : 'connecting';
  }

  snapshot(): MqttSnapshot {
    const { host, port, embedded, tls, username, clientId, keepalive } = this.broker;
    return {
      state: this.state,
      connected: this.connected,
      broker: { host, port, embedded, tls, username, clientId, keepalive },
      protocolVersion: this.client?.options.protocolVersion === 5 ? 5 : this.client ? 4 : this.preferredProtocol(),
      sharedGroup: this.config.mqttSharedGroup,
      subscribedTopics: this.keeper?.subscribedTopics(this.connected) ?? [],
      subscriptions: this.keeper?.states(this.connected) ?? [],
      reconnects: this.reconnects,
      reconnectDelayMs: this.state === 'connecting' ? this.reconnectDelayMs : undefined,
      pendingAcks: this.ingest.pendingAcks,
      intakePaused: this.ingest.intakePaused,
      intakePauses: this.ingest.intakePauses,
      lastError: this.lastError,
      messages: {
        received: this.ingest.messagesReceived,
        accepted: this.stats.accepted + this.stats.statusAccepted,
        rejected: this.stats.rejectedTotal(),
        rejectedByReason: Object.fromEntries(this.stats.rejected),
      },
    };
  }

  /**
   * Connects with the configuration, changed by `overrides` for this connection and its reconnects. Refused
   * while connected; while still trying to reach a broker, the new settings replace the old ones. Resolves
   * once connected and subscribed, or fails with 503 after a few seconds while the client keeps trying.
   */
  connect(overrides: ConnectOverrides): Promise<MqttSnapshot> {
    return this.runExclusive(() => this.connectNow(overrides));
  }

  private async connectNow(overrides: ConnectOverrides): Promise<MqttSnapshot> {
    if (this.connected) {
      throw new ConflictException(
        `Already connected to ${this.broker.host}:${this.broker.port} as '${this.broker.clientId}'; POST /api/v1/scada/mqtt/disconnect first`,
      );
    }
    const broker = this.settings(overrides);
    const tls = broker.tls ? this.tlsMaterial() : undefined;
    const before = this.snapshot();
    await this.stop();
    if (broker.clientId !== this.broker.clientId) await this.keeper?.prepare(broker.clientId);
    this.broker = broker;
    AuditTrail.change({ state: before.state, broker: before.broker }, { broker: this.snapshot().broker });
    this.start(tls);
    const connected = await until(() => this.connected && this.sessionRestored, CONNECT_WAIT_MS);
    if (!connected) {
      throw new ServiceUnavailableException(
        `Not connected to ${broker.host}:${broker.port} after ${CONNECT_WAIT_MS / 1000} s` +
          (this.lastError ? ` (${this.lastError})` : '') +
          '; still retrying with backoff. GET /api/v1/scada/mqtt/status shows progress, POST /api/v1/scada/mqtt/disconnect stops it.',
      );
    }
    return this.snapshot();
  }

  /** Disconnects and stops reconnecting. The session stays with the broker, which queues readings meanwhile. */
  disconnect(): Promise<MqttSnapshot> {
    return this.runExclusive(() => this.disconnectNow());
  }

  private async disconnectNow(): Promise<MqttSnapshot> {
    if (!this.client)
      throw new ConflictException('MQTT is already disconnected; POST /api/v1/scada/mqtt/connect to connect');
    const before = this.snapshot();
    await this.stop();
    AuditTrail.change({ state: before.state, broker: before.broker }, { state: this.state });
    return this.snapshot();
  }

  /**
   * Runs a control operation (connect, disconnect, a subscription change) once the ones before it finished: two
   * concurrent connects must not both build a client, and a subscription change must not race a reconnect.
   */
  runExclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.control.then(operation, operation);
    this.control = run.catch(() => undefined);
    return run;
  }

  /** The client, if connected; otherwise 503 naming the state (for every REST call that needs the broker). */
  requireConnected(): MqttClient {
    const client = this.client;
    if (!client?.connected) {
      throw new ServiceUnavailableException(
        `Not connected to the MQTT broker (${this.state}${this.lastError ? `: ${this.lastError}` : ''})`,
      );
    }
    return client;
  }

  private settings(overrides: ConnectOverrides): BrokerSettings {
    const host = overrides.host ?? this.runtime.brokerHost;
    const port = overrides.port ?? this.runtime.brokerPort;
    const embedded =
      this.runtime.brokerEmbedded && host === this.runtime.brokerHost && port === this.runtime.brokerPort;
    // On the embedded broker the backend is itself: the credentials its gate generated at this start.
    const own = embedded && overrides.username === undefined ? this.runtime.brokerGate?.backend : undefined;
    return {
      host,
      port,
      embedded,
      tls: overrides.tls ?? this.config.mqttTls,
      username: overrides.username ?? own?.username ?? this.config.mqttUsername,
      password: overrides.password ?? own?.password ?? this.config.mqttPassword,
      clientId: overrides.clientId ?? this.config.mqttClientId,
      keepalive: overrides.keepalive ?? this.config.mqttKeepalive,
    };
  }

  /** The embedded broker speaks 3.1.1 only: asking it for 5 would cost a refused attempt at every start. */
  private preferredProtocol(broker = this.broker): 4 | 5 {
    return this.config.mqttProtocolVersion === 5 && !broker.embedded ? 5 : 4;
  }

  /** Files named by MQTT_TLS_*; read on every connect, so renewed certificates are picked up. */
  private tlsMaterial(): TlsMaterial {
    const read = (name: string, file: string | undefined): Buffer | undefined => {
      if (file === undefined) return undefined;
      try {
        return readFileSync(file);
      } catch (err) {
        throw new ServiceUnavailableException(`Cannot read ${name} (${file}): ${errorText(err)}`);
      }
    };
    return {
      ca: read('MQTT_TLS_CA_FILE', this.config.mqttTlsCaFile),
      cert: read('MQTT_TLS_CERT_FILE', this.config.mqttTlsCertFile),
      key: read('MQTT_TLS_KEY_FILE', this.config.mqttTlsKeyFile),
      rejectUnauthorized: this.config.mqttTlsRejectUnauthorized,
    };
  }

  private start(tls?: TlsMaterial): void {
    const broker = this.broker;
    const options = clientOptions(
      broker,
      {
        protocolVersion: this.preferredProtocol(broker),
        sessionExpiry: this.config.mqttSessionExpiry,
        receiveMaximum: this.config.mqttReceiveMaximum,
        maxPacketSize: this.config.mqttMaxPacketSize,
        reconnectPeriod: this.config.mqttReconnectMinMs,
      },
      tls ?? (broker.tls ? this.tlsMaterial() : undefined),
    );
    if (this.will) options.will = this.will();
    const client = mqtt.connect(options);
    this.client = client;
    this.backoff.reset();
    this.sessionRestored = false;
    this.keeper?.connectionDown();
    this.ingest.attach(client);

    client.on('connect', () => this.onConnect(client));
    // mqtt.js arms its reconnect timer with options.reconnectPeriod right after 'offline' (the first attempt after
    // a loss) and after each failed attempt announced by 'reconnect': setting it there makes the delays grow.
    client.on('offline', () => {
      if (client !== this.client) return;
      this.backoff.reset();
      if (this.fallingBack) {
        this.fallingBack = false;
        this.reconnectDelayMs = client.options.reconnectPeriod = FALLBACK_RETRY_MS;
        return;
      }
      this.nextDelay(client);
      this.logger.warn(
        `MQTT connection to ${broker.host}:${broker.port} lost or refused${this.lastError ? ` (${this.lastError})` : ''}; retrying in ${this.reconnectDelayMs} ms`,
      );
    });
    client.on('reconnect', () => {
      if (client !== this.client) return;
      // mqtt.js sends CONNECT from client.options right after this event.
      if (this.will) client.options.will = this.will();
      this.reconnects++;
      this.nextDelay(client);
    });
    client.on('close', () => this.onClose(client));
    client.on('error', (err: Error & { code?: number | string }) => {
      if (client !== this.client) return;
      if (client.options.protocolVersion === 5 && UNSUPPORTED_PROTOCOL.has(Number(err.code))) {
        // mqtt.js retries after a refused CONNACK (reconnectOnConnackError) with the options as changed here.
        this.logger.warn(`Broker ${broker.host}:${broker.port} refused MQTT 5; falling back to MQTT 3.1.1`);
        client.options.protocolVersion = 4;
        delete client.options.properties;
        this.fallingBack = true;
      }
      // Said in words an operator can act on: the stock reason alone does not name the setting to change.
      this.lastError =
        Number(err.code) === RETAIN_NOT_SUPPORTED
          ? `${err.message}: the broker refuses retained messages, which the Sparkplug host's STATE needs ` +
            '(Mosquitto: retain_available true; or SPARKPLUG_ENABLED=false)'
          : err.message;
      this.errorLog.error('mqtt-error', `MQTT error (${broker.host}:${broker.port}): ${this.lastError}`);
    });
  }

  private nextDelay(client: MqttClient): void {
    this.reconnectDelayMs = this.backoff.next();
    client.options.reconnectPeriod = this.reconnectDelayMs;
  }

  private onConnect(client: MqttClient): void {
    if (client !== this.client) return;
    const socket = client.stream as {
      setNoDelay?: (on: boolean) => void;
      setKeepAlive?: (on: boolean, ms: number) => void;
    };
    socket.setNoDelay?.(true);
    // While intake is paused nothing is read, so no PINGRESP is seen: TCP keepalive still notices a dead broker.
    socket.setKeepAlive?.(true, 15_000);
    this.backoff.reset();
    this.fallingBack = false;
    this.lastError = undefined;
    this.sessionRestored = false;
    const { host, port, clientId } = this.broker;
    this.logger.log(
      `Connected to MQTT broker ${host}:${port} as '${clientId}' (MQTT ${client.options.protocolVersion === 5 ? '5' : '3.1.1'})`,
    );
    void this.restoreSession(client);
  }

  private async restoreSession(client: MqttClient): Promise<void> {
    const isCurrent = (): boolean => client === this.client;
    const problem = await this.keeper?.restore(client, this.broker.clientId, isCurrent);
    if (problem !== undefined && isCurrent()) this.lastError = problem;
    if (!isCurrent() || !client.connected) return;
    this.sessionRestored = true;
    this.emitChange();
  }

  private onClose(client: MqttClient): void {
    if (client !== this.client) return;
    const wasUp = this.sessionRestored;
    this.keeper?.connectionDown();
    this.sessionRestored = false;
    if (wasUp) this.emitChange();
  }

  /**
   * Ends the current client (if any) after letting what it gathered commit; no reconnect follows. Intake is held
   * first: under a steady stream the held PUBACKs would otherwise never all be released.
   */
  private async stop(drainWaitMs = DRAIN_WAIT_MS): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.ingest.hold();
    if (client.connected) await until(() => this.ingest.pendingAcks === 0, drainWaitMs);
    // Detached first, so its close is not taken for a lost connection.
    this.client = undefined;
    this.keeper?.connectionDown();
    this.sessionRestored = false;
    this.reconnectDelayMs = undefined;
    await client.endAsync(!client.connected).catch((err: unknown) => {
      this.logger.warn(`MQTT: closing the connection failed: ${errorText(err)}`);
    });
    this.ingest.flush();
    this.logger.log(`Disconnected from MQTT broker ${this.broker.host}:${this.broker.port}`);
    this.emitChange();
  }

  private emitChange(): void {
    this.bus.emit('mqtt.connection_changed', {
      connected: this.connected,
      state: this.state,
      broker: `${this.broker.host}:${this.broker.port}`,
      error: this.lastError,
    });
  }
}
