import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import {
  endpointUrlProblem,
  opcuaSecurityProblem,
  type OpcuaSecurityMode,
  type OpcuaSecurityPolicy,
} from '../opcua/opcua-security.js';
import { planRun } from '../simulator/run-settings.js';
import { parseDuration } from '../telemetry/history.plan.js';
import { API_KEY_FORMAT } from '../common/auth/api-key.js';
import { type UnitStatus, UNIT_STATUSES } from '../common/bus/event-map.js';
import { ENV_SCHEMA, type EnvName, type EnvVarSpec } from './env.schema.js';

/** A configuration value that failed validation; the message names the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Parsed = string | number | boolean | undefined;

/** The refresh window of the continuous aggregates (migration 1764000005000): retention must be longer. */
export const RETENTION_FLOOR_SECONDS = 3 * 86_400;

function parseOne(name: string, spec: EnvVarSpec, raw: string | undefined, problems: string[]): Parsed {
  const text = raw === undefined || raw.trim() === '' ? spec.default : raw.trim();
  if (text === undefined) return undefined;
  switch (spec.kind) {
    case 'string':
      return text;
    case 'bool':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      problems.push(`${name} must be true or false, got '${text}'`);
      return undefined;
    case 'enum':
      if (spec.values?.includes(text)) return text;
      problems.push(`${name} must be one of ${spec.values?.join(', ')}, got '${text}'`);
      return undefined;
    case 'int': {
      const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(value)) {
        problems.push(`${name} must be a whole number, got '${text}'`);
        return undefined;
      }
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        problems.push(`${name} must be between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}, got ${value}`);
        return undefined;
      }
      return value;
    }
    case 'number': {
      const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(value)) {
        problems.push(`${name} must be a number, got '${text}'`);
        return undefined;
      }
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        problems.push(`${name} must be between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}, got ${value}`);
        return undefined;
      }
      return value;
    }
  }
}

/** A comma-separated origin list: `*` for any, unset for none but the backend's own. */
function originList(text: string | undefined): string[] | '*' {
  if (text === undefined) return [];
  if (text === '*') return '*';
  return text
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

/**
 * Typed, validated configuration. Built once from the environment at start-up;
 * a wrong value stops the process with a message naming the variable.
 */
export class AppConfig {
  readonly nodeEnv: string;
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  /** Budget of a graceful shutdown, from the signal to the exit. */
  readonly shutdownTimeoutMs: number;
  readonly dataDir: string;
  /** External database URL; undefined means the embedded PGlite database. */
  readonly databaseUrl?: string;
  readonly databasePoolSize: number;
  readonly databaseMigrateOnStart: boolean;
  /** Loopback TCP port of the embedded database (0: any free one); undefined: its Unix socket only. */
  readonly embeddedDatabasePort?: number;
  /** shared_buffers of the embedded database, MB. */
  readonly embeddedDatabaseSharedBuffersMb: number;
  /** Whether V8 tiers the embedded database's WebAssembly up to TurboFan (off: Liftoff only). */
  readonly embeddedDatabaseWasmTierUp: boolean;
  /** V8_HEAP_GROWING_PERCENT as set; undefined: unset (see v8HeapGrowingPercent for what that means). */
  readonly v8HeapGrowingPercent?: number;
  /** External broker host; undefined means the embedded broker. */
  readonly mqttBrokerHost?: string;
  readonly mqttBrokerPort: number;
  readonly mqttUsername?: string;
  readonly mqttPassword?: string;
  readonly mqttClientId: string;
  readonly mqttKeepalive: number;
  /** Largest MQTT packet accepted (bytes): the backend's client, and the embedded broker. */
  readonly mqttMaxPacketSize: number;
  readonly mqttTopicPrefix: string;
  readonly mqttProtocolVersion: 4 | 5;
  readonly mqttReceiveMaximum: number;
  /** QoS 1 messages waiting for their commit before intake pauses (MQTT_MAX_PENDING_ACKS). */
  readonly mqttMaxPendingAcks: number;
  readonly mqttSessionExpiry: number;
  readonly mqttReconnectMinMs: number;
  readonly mqttReconnectMaxMs: number;
  /** Shared-subscription group; undefined means this instance takes the whole stream. */
  readonly mqttSharedGroup?: string;
  readonly mqttTls: boolean;
  /** MQTT_ALLOW_ANONYMOUS: the embedded broker lets in clients without a user name. */
  readonly mqttAllowAnonymous: boolean;
  readonly mqttTlsCaFile?: string;
  readonly mqttTlsCertFile?: string;
  readonly mqttTlsKeyFile?: string;
  readonly mqttTlsRejectUnauthorized: boolean;
  readonly ingestBatchSize: number;
  readonly ingestBatchWindowMs: number;
  readonly writerMaxRows: number;
  readonly writerMaxPending: number;
  readonly writerSplitMaxStatements: number;
  readonly lastSeenIntervalMs: number;
  /** Bounds of reading_dead_letters: rows, and age in seconds (0: no age limit). */
  readonly deadLetterMaxRows: number;
  readonly deadLetterMaxAgeSeconds: number;
  readonly deadLetterPruneIntervalMs: number;
  /** Alarm notifications (src/notifications): outbound host allow list, worker timing, outbox bounds. */
  readonly notificationsAllowedHosts: string[];
  readonly notificationsPollMs: number;
  readonly notificationsLeaseMs: number;
  readonly notificationsMaxAttempts: number;
  readonly notificationsRetryInitialMs: number;
  readonly notificationsRetryMaxMs: number;
  readonly notificationsMaxOutbox: number;
  readonly notificationsRetentionSeconds: number;
  /** Flood suppression: more than `threshold` alarms per channel in `windowMs` (0: off); one summary per `summaryMs`. */
  readonly notificationsFlood: { threshold: number; windowMs: number; summaryMs: number };
  /** Supervisory control (src/commands): selection window, refusing unit statuses, bounds of the commands table. */
  readonly commandsSelectWindowMs: number;
  readonly commandsRefusedUnitStatuses: UnitStatus[];
  readonly commandsMaxOpenPerUnit: number;
  readonly commandsMaxRows: number;
  readonly commandsRetentionSeconds: number;
  /** Caps on what readings may register (processor/sensor-catalog.ts): beyond them a reading is rejected. */
  readonly maxUnits: number;
  readonly maxSensorsPerUnit: number;
  readonly maxNewSensorsPerMinute: number;
  readonly readingMaxFutureMs: number;
  readonly readingMaxAgeMs: number;
  /** Age (seconds) past which raw readings are deleted; 0 keeps them forever. */
  readonly telemetryRetentionSeconds: number;
  /** Age (seconds) past which TimescaleDB compresses chunks; 0 means no compression policy. */
  readonly telemetryCompressAfterSeconds: number;
  readonly telemetryRetentionIntervalMs: number;
  readonly telemetryRetentionBatch: number;
  /** TimescaleDB: how often the policy jobs' run statistics are read. */
  readonly telemetryJobCheckIntervalMs: number;
  /** Origins whose pages may open Socket.IO connections; `[]` means the backend's own origin only. */
  readonly websocketCorsOrigins: string[] | '*';
  readonly websocketPingTimeout: number;
  readonly websocketPingInterval: number;
  readonly websocketFanoutIntervalMs: number;
  readonly websocketMaxMessageBytes: number;
  readonly websocketRateLimitPerS: number;
  readonly websocketRateLimitBurst: number;
  /** Unit rooms one Socket.IO connection may be in at once. */
  readonly websocketMaxRoomsPerClient: number;
  readonly websocketSlowClientMaxQueued: number;
  readonly websocketSlowClientTimeoutMs: number;
  readonly websocketRecoveryWindowMs: number;
  /** Redis for Socket.IO scale-out; undefined means a single instance (in-memory adapter). */
  readonly redisUrl?: string;
  /** OPC UA endpoint to connect to at start-up; undefined leaves the client off until a REST connect. */
  readonly opcuaServerUrl?: string;
  readonly opcuaUsername?: string;
  readonly opcuaPassword?: string;
  readonly opcuaSecurityPolicy: OpcuaSecurityPolicy;
  readonly opcuaSecurityMode: OpcuaSecurityMode;
  readonly opcuaTimeoutMs: number;
  readonly opcuaReconnectMaxMs: number;
  readonly opcuaPublishingIntervalMs: number;
  /** Where node-opcua keeps the client certificate and its trust lists (OPCUA_PKI_DIR or DATA_DIR/opcua-pki). */
  readonly opcuaPkiDir: string;
  readonly opcuaDemoServer: boolean;
  readonly opcuaDemoServerPort: number;
  readonly sparkplugEnabled: boolean;
  readonly sparkplugHostId: string;
  /** SPARKPLUG_GROUPS; undefined: every group. */
  readonly sparkplugGroups?: readonly string[];
  readonly sparkplugReorderTimeoutMs: number;
  readonly sparkplugRebirthIntervalMs: number;
  /** Largest Sparkplug payload, and the most a compressed one may inflate to. */
  readonly sparkplugMaxPayloadBytes: number;
  /** Most metrics in one Sparkplug payload. */
  readonly sparkplugMaxMetrics: number;
  /** Hosts Modbus devices may be (MODBUS_ALLOWED_HOSTS, lower case, each optionally host:port). */
  readonly modbusAllowedHosts: string[];
  readonly modbusMaxDevices: number;
  readonly modbusReconnectMaxMs: number;
  /**
   * The simulator's Modbus TCP server (SIMULATOR_MODBUS_PORT, SIMULATOR_MODBUS_HOST); undefined when off. `connectHost`
   * is where the backend's own devices reach it (loopback when it listens on every address).
   */
  readonly simulatorModbus?: { port: number; bindHost: string; connectHost: string };
  /** False only when AUTH_ENABLED=false is set explicitly: then every route is open. */
  readonly authEnabled: boolean;
  /** An admin key to create at start-up (never logged). */
  readonly authBootstrapAdminKey?: string;
  /** Bearer JWT settings; undefined when neither a secret nor a JWKS URL is configured. */
  readonly authJwt?: {
    issuer: string;
    audience: string;
    secret?: string;
    jwksUrl?: string;
    roleClaim: string;
    unitsClaim: string;
  };
  readonly authFailureLimit: number;
  readonly authSocketRecheckMs: number;
  /** Origins whose pages may call the REST API; `[]` means no cross-origin calls. */
  readonly httpCorsOrigins: string[] | '*';
  /** Express `trust proxy`: false (the default), a hop count, or the trusted proxies' addresses. */
  readonly trustProxy: boolean | number | string;
  readonly httpBodyLimitBytes: number;
  readonly httpRateLimitPerMinute: number;
  /**
   * The strict per-caller limit of routes that act on devices (test publishes, commands): read from
   * MQTT_PUBLISH_RATE_LIMIT_PER_MINUTE, the name it had when test publishes were the only such route.
   */
  readonly strictRateLimitPerMinute: number;
  /** Whether the simulator starts with the backend (SIMULATOR_AUTOSTART, `auto` resolved). */
  readonly simulatorAutostart: boolean;
  /** SIMULATOR_ALLOW_EXTERNAL: the simulator may publish to an external broker. */
  readonly simulatorAllowExternal: boolean;
  readonly simulatorUnits: number;
  readonly simulatorIntervalMs: number;
  /** Target readings per second; 0 means "derived from units and interval". */
  readonly simulatorRate: number;
  /** Undefined: every run draws a random seed and follows the wall clock. */
  readonly simulatorSeed?: string;
  readonly simulatorQos: 0 | 1;
  /** What the simulator speaks by default (SIMULATOR_PROTOCOL). */
  readonly simulatorProtocol: 'json' | 'sparkplug';
  /** Sparkplug group of the simulator's edge node (SIMULATOR_SPARKPLUG_GROUP). */
  readonly simulatorSparkplugGroup: string;
  readonly simulatorBadQualityProbability: number;
  readonly simulatorUncertainQualityProbability: number;
  readonly simulatorOutlierProbability: number;
  readonly simulatorOutageIntervalMs: number;
  readonly simulatorOutageDurationMs: number;
  readonly simulatorMaintenanceIntervalMs: number;
  readonly simulatorMaintenanceDurationMs: number;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const problems: string[] = [];
    const v: Partial<Record<EnvName, Parsed>> = {};
    for (const [name, spec] of Object.entries(ENV_SCHEMA) as [EnvName, EnvVarSpec][]) {
      v[name] = parseOne(name, spec, env[name], problems);
    }
    const prefix = String(v.MQTT_TOPIC_PREFIX ?? '');
    if (v.MQTT_TOPIC_PREFIX !== undefined && !/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(prefix)) {
      problems.push(`MQTT_TOPIC_PREFIX must be topic levels of letters, digits, '_' or '-', got '${prefix}'`);
    }
    if (v.DATABASE_URL !== undefined && !/^postgres(ql)?:\/\//.test(String(v.DATABASE_URL))) {
      problems.push(`DATABASE_URL must start with postgres:// or postgresql://`);
    }
    if (Number(v.MQTT_RECONNECT_MAX_MS) < Number(v.MQTT_RECONNECT_MIN_MS)) {
      problems.push(
        `MQTT_RECONNECT_MAX_MS (${v.MQTT_RECONNECT_MAX_MS}) must not be below MQTT_RECONNECT_MIN_MS (${v.MQTT_RECONNECT_MIN_MS})`,
      );
    }
    if (v.MQTT_SHARED_GROUP !== undefined) {
      // A share name may not contain '/', '+' or '#'; the identifier rule is stricter and reads well in $share/…
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(String(v.MQTT_SHARED_GROUP))) {
        problems.push(`MQTT_SHARED_GROUP must be 1-64 letters, digits, '_' or '-', got '${v.MQTT_SHARED_GROUP}'`);
      } else if (v.MQTT_BROKER_HOST === undefined) {
        problems.push(
          'MQTT_SHARED_GROUP needs an external broker (set MQTT_BROKER_HOST): the embedded broker has no shared subscriptions',
        );
      }
    }
    if (v.MQTT_TLS === true && v.MQTT_BROKER_HOST === undefined) {
      problems.push('MQTT_TLS needs an external broker (set MQTT_BROKER_HOST): the embedded broker has no TLS');
    }
    if ((v.MQTT_TLS_CERT_FILE === undefined) !== (v.MQTT_TLS_KEY_FILE === undefined)) {
      problems.push('MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE go together: set both or neither');
    }
    for (const name of ['MQTT_TLS_CA_FILE', 'MQTT_TLS_CERT_FILE', 'MQTT_TLS_KEY_FILE'] as const) {
      const file = v[name];
      if (file === undefined) continue;
      try {
        accessSync(String(file), constants.R_OK);
      } catch {
        problems.push(`${name} must name a readable file, got '${String(file)}'`);
      }
    }
    const opcuaProblem = opcuaSecurityProblem(
      String(v.OPCUA_SECURITY_MODE ?? 'None'),
      String(v.OPCUA_SECURITY_POLICY ?? 'None'),
    );
    if (opcuaProblem !== undefined) problems.push(`OPCUA_SECURITY_MODE/OPCUA_SECURITY_POLICY: ${opcuaProblem}`);
    const urlProblem = v.OPCUA_SERVER_URL === undefined ? undefined : endpointUrlProblem(String(v.OPCUA_SERVER_URL));
    if (urlProblem !== undefined) problems.push(`OPCUA_SERVER_URL: ${urlProblem.replace('endpoint_url ', '')}`);
    if (v.OPCUA_PASSWORD !== undefined && v.OPCUA_USERNAME === undefined) {
      problems.push('OPCUA_PASSWORD needs OPCUA_USERNAME');
    }
    const anomalies = [
      'SIMULATOR_BAD_QUALITY_PROBABILITY',
      'SIMULATOR_UNCERTAIN_QUALITY_PROBABILITY',
      'SIMULATOR_OUTLIER_PROBABILITY',
    ] as const;
    // The three faults are exclusive per reading (see UnitModel), so together they cannot exceed certainty.
    if (
      anomalies.every((name) => v[name] !== undefined) &&
      anomalies.reduce((sum, name) => sum + Number(v[name]), 0) > 1
    ) {
      problems.push(`${anomalies.join(' + ')} must add up to at most 1`);
    }
    if (v.SIMULATOR_RATE !== undefined && v.SIMULATOR_UNITS !== undefined && v.SIMULATOR_INTERVAL_MS !== undefined) {
      // The same rule as a start request's, so a configuration the simulator cannot run never gets past start-up.
      const planned = planRun(
        {},
        {
          units: Number(v.SIMULATOR_UNITS),
          intervalMs: Number(v.SIMULATOR_INTERVAL_MS),
          rate: Number(v.SIMULATOR_RATE),
        },
      );
      if (!planned.ok) problems.push(`SIMULATOR_RATE and SIMULATOR_UNITS do not fit: ${planned.error}`);
    }
    const durations: Partial<
      Record<
        | 'TELEMETRY_RETENTION'
        | 'TELEMETRY_COMPRESS_AFTER'
        | 'DEAD_LETTER_MAX_AGE'
        | 'NOTIFICATIONS_RETENTION'
        | 'COMMANDS_RETENTION',
        number
      >
    > = {};
    for (const name of [
      'TELEMETRY_RETENTION',
      'TELEMETRY_COMPRESS_AFTER',
      'DEAD_LETTER_MAX_AGE',
      'NOTIFICATIONS_RETENTION',
      'COMMANDS_RETENTION',
    ] as const) {
      const text = String(v[name]);
      const seconds = text === '0' ? 0 : parseDuration(text);
      if (seconds === undefined) problems.push(`${name} must be 0 or <integer><s|m|h|d> (e.g. 7d, 12h), got '${text}'`);
      else durations[name] = seconds;
    }
    // The continuous aggregates re-read the last RETENTION_FLOOR of raw readings at each refresh; a retention shorter
    // than that would empty buckets the aggregates had already materialised.
    if (durations.TELEMETRY_RETENTION !== undefined && durations.TELEMETRY_RETENTION > 0) {
      if (durations.TELEMETRY_RETENTION <= RETENTION_FLOOR_SECONDS) {
        problems.push(
          `TELEMETRY_RETENTION must be 0 or longer than 3d (the continuous aggregates' refresh window), got '${String(v.TELEMETRY_RETENTION)}'`,
        );
      }
    }
    if (v.AUTH_BOOTSTRAP_ADMIN_KEY !== undefined && !API_KEY_FORMAT.test(String(v.AUTH_BOOTSTRAP_ADMIN_KEY))) {
      // Never echo the value: it is a secret, even when malformed.
      problems.push(
        'AUTH_BOOTSTRAP_ADMIN_KEY must look like tc_<16 hex digits>_<32-128 characters of A-Z a-z 0-9 _ ->',
      );
    }
    const jwtSecret = v.AUTH_JWT_SECRET === undefined ? undefined : String(v.AUTH_JWT_SECRET);
    const jwksUrl = v.AUTH_JWT_JWKS_URL === undefined ? undefined : String(v.AUTH_JWT_JWKS_URL);
    if (jwtSecret !== undefined && jwksUrl !== undefined) {
      problems.push('AUTH_JWT_SECRET and AUTH_JWT_JWKS_URL exclude each other: set one');
    }
    if (jwtSecret !== undefined && jwtSecret.length < 32) {
      problems.push('AUTH_JWT_SECRET must be at least 32 characters (HS256 needs a 256-bit key)');
    }
    if (jwksUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(jwksUrl)) {
      problems.push(`AUTH_JWT_JWKS_URL must be an http(s) URL, got '${jwksUrl}'`);
    }
    if (
      (jwtSecret !== undefined || jwksUrl !== undefined) &&
      (v.AUTH_JWT_ISSUER === undefined || v.AUTH_JWT_AUDIENCE === undefined)
    ) {
      problems.push(
        'AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE are needed to accept JWTs (with AUTH_JWT_SECRET or AUTH_JWT_JWKS_URL)',
      );
    }
    const refusedStatuses: UnitStatus[] = [];
    for (const word of String(v.COMMANDS_REFUSED_UNIT_STATUSES ?? '').split(',')) {
      const status = word.trim();
      if (status === '' || status === 'none') continue;
      if ((UNIT_STATUSES as readonly string[]).includes(status)) refusedStatuses.push(status as UnitStatus);
      else
        problems.push(
          `COMMANDS_REFUSED_UNIT_STATUSES lists '${status}': only ${UNIT_STATUSES.join(', ')} are statuses`,
        );
    }
    const sparkplugIds = [String(v.SPARKPLUG_HOST_ID ?? ''), ...String(v.SPARKPLUG_GROUPS ?? '').split(',')];
    for (const id of sparkplugIds.map((g) => g.trim()).filter((g) => g !== '')) {
      if (!/^[^/+#\s]{1,128}$/.test(id) || id === 'STATE') {
        problems.push(
          `SPARKPLUG_HOST_ID/SPARKPLUG_GROUPS: '${id}' is not a Sparkplug id (no '/', '+', '#', spaces; not STATE)`,
        );
      }
    }
    if (v.SPARKPLUG_ENABLED === true && v.MQTT_SHARED_GROUP !== undefined) {
      // Sparkplug state (seq, aliases) is per edge node in one process; a shared subscription would deal one node's
      // messages out to several instances, each seeing gaps and asking for rebirths.
      problems.push(
        'SPARKPLUG_ENABLED=true and MQTT_SHARED_GROUP exclude each other: run the Sparkplug host on one instance without a shared group (docs/sparkplug.md)',
      );
    }
    if (isIP(String(v.SIMULATOR_MODBUS_HOST)) === 0) {
      problems.push(`SIMULATOR_MODBUS_HOST must be an IP address, got '${v.SIMULATOR_MODBUS_HOST}'`);
    }
    const simulatorGroup = String(v.SIMULATOR_SPARKPLUG_GROUP ?? '');
    if (!/^[^/+#\s]{1,64}$/.test(simulatorGroup) || simulatorGroup === 'STATE') {
      problems.push(
        `SIMULATOR_SPARKPLUG_GROUP: '${simulatorGroup}' is not a Sparkplug group id (1-64 characters, no '/', '+', '#', spaces; not STATE)`,
      );
    }
    if (problems.length > 0) throw new ConfigError(problems);

    const str = (name: EnvName): string => String(v[name]);
    const opt = (name: EnvName): string | undefined => (v[name] === undefined ? undefined : String(v[name]));
    const int = (name: EnvName): number => Number(v[name]);
    const num = (name: EnvName): number => Number(v[name]);
    this.nodeEnv = str('NODE_ENV');
    this.port = int('PORT');
    this.host = str('HOST');
    this.logLevel = str('LOG_LEVEL');
    this.shutdownTimeoutMs = int('SHUTDOWN_TIMEOUT_MS');
    this.dataDir = str('DATA_DIR');
    this.databaseUrl = opt('DATABASE_URL');
    this.databasePoolSize = int('DATABASE_POOL_SIZE');
    this.databaseMigrateOnStart = v.DATABASE_MIGRATE_ON_START === true;
    this.embeddedDatabasePort = v.EMBEDDED_DATABASE_PORT === undefined ? undefined : int('EMBEDDED_DATABASE_PORT');
    this.embeddedDatabaseSharedBuffersMb = int('EMBEDDED_DATABASE_SHARED_BUFFERS_MB');
    this.embeddedDatabaseWasmTierUp = v.EMBEDDED_DATABASE_WASM_TIER_UP === true;
    this.v8HeapGrowingPercent = v.V8_HEAP_GROWING_PERCENT === undefined ? undefined : int('V8_HEAP_GROWING_PERCENT');
    this.mqttBrokerHost = opt('MQTT_BROKER_HOST');
    this.mqttBrokerPort = int('MQTT_BROKER_PORT');
    this.mqttUsername = opt('MQTT_USERNAME');
    this.mqttPassword = opt('MQTT_PASSWORD');
    this.mqttClientId = str('MQTT_CLIENT_ID');
    this.mqttKeepalive = int('MQTT_KEEPALIVE');
    this.mqttMaxPacketSize = int('MQTT_MAX_PACKET_SIZE');
    this.mqttTopicPrefix = prefix;
    this.mqttProtocolVersion = int('MQTT_PROTOCOL_VERSION') === 4 ? 4 : 5;
    this.mqttReceiveMaximum = int('MQTT_RECEIVE_MAXIMUM');
    this.mqttMaxPendingAcks = int('MQTT_MAX_PENDING_ACKS');
    this.mqttSessionExpiry = int('MQTT_SESSION_EXPIRY');
    this.mqttReconnectMinMs = int('MQTT_RECONNECT_MIN_MS');
    this.mqttReconnectMaxMs = int('MQTT_RECONNECT_MAX_MS');
    this.mqttSharedGroup = opt('MQTT_SHARED_GROUP');
    this.mqttTls = v.MQTT_TLS === true;
    this.mqttAllowAnonymous = v.MQTT_ALLOW_ANONYMOUS === true;
    this.mqttTlsCaFile = opt('MQTT_TLS_CA_FILE');
    this.mqttTlsCertFile = opt('MQTT_TLS_CERT_FILE');
    this.mqttTlsKeyFile = opt('MQTT_TLS_KEY_FILE');
    this.mqttTlsRejectUnauthorized = v.MQTT_TLS_REJECT_UNAUTHORIZED === true;
    this.ingestBatchSize = int('INGEST_BATCH_SIZE');
    this.ingestBatchWindowMs = int('INGEST_BATCH_WINDOW_MS');
    this.writerMaxRows = int('WRITER_MAX_ROWS');
    this.writerMaxPending = int('WRITER_MAX_PENDING');
    this.writerSplitMaxStatements = int('WRITER_SPLIT_MAX_STATEMENTS');
    this.lastSeenIntervalMs = int('LAST_SEEN_INTERVAL_MS');
    this.deadLetterMaxRows = int('DEAD_LETTER_MAX_ROWS');
    this.deadLetterMaxAgeSeconds = durations.DEAD_LETTER_MAX_AGE ?? 0;
    this.deadLetterPruneIntervalMs = int('DEAD_LETTER_PRUNE_INTERVAL_S') * 1000;
    this.notificationsAllowedHosts = (opt('NOTIFICATIONS_ALLOWED_HOSTS') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== '');
    this.notificationsPollMs = int('NOTIFICATIONS_POLL_MS');
    this.notificationsLeaseMs = int('NOTIFICATIONS_LEASE_S') * 1000;
    this.notificationsMaxAttempts = int('NOTIFICATIONS_MAX_ATTEMPTS');
    this.notificationsRetryInitialMs = int('NOTIFICATIONS_RETRY_INITIAL_MS');
    this.notificationsRetryMaxMs = int('NOTIFICATIONS_RETRY_MAX_MS');
    this.notificationsMaxOutbox = int('NOTIFICATIONS_MAX_OUTBOX');
    this.notificationsRetentionSeconds = durations.NOTIFICATIONS_RETENTION ?? 0;
    this.notificationsFlood = {
      threshold: int('NOTIFICATIONS_FLOOD_THRESHOLD'),
      windowMs: int('NOTIFICATIONS_FLOOD_WINDOW_S') * 1000,
      summaryMs: int('NOTIFICATIONS_FLOOD_SUMMARY_S') * 1000,
    };
    this.commandsSelectWindowMs = int('COMMANDS_SELECT_WINDOW_S') * 1000;
    this.commandsRefusedUnitStatuses = refusedStatuses;
    this.commandsMaxOpenPerUnit = int('COMMANDS_MAX_OPEN_PER_UNIT');
    this.commandsMaxRows = int('COMMANDS_MAX_ROWS');
    this.commandsRetentionSeconds = durations.COMMANDS_RETENTION ?? 0;
    this.maxUnits = int('MAX_UNITS');
    this.maxSensorsPerUnit = int('MAX_SENSORS_PER_UNIT');
    this.maxNewSensorsPerMinute = int('MAX_NEW_SENSORS_PER_MINUTE');
    this.readingMaxFutureMs = int('READING_MAX_FUTURE_S') * 1000;
    this.readingMaxAgeMs = int('READING_MAX_AGE_S') * 1000;
    this.telemetryRetentionSeconds = durations.TELEMETRY_RETENTION ?? 0;
    this.telemetryCompressAfterSeconds = durations.TELEMETRY_COMPRESS_AFTER ?? 0;
    this.telemetryRetentionIntervalMs = int('TELEMETRY_RETENTION_INTERVAL_S') * 1000;
    this.telemetryRetentionBatch = int('TELEMETRY_RETENTION_BATCH');
    this.telemetryJobCheckIntervalMs = int('TELEMETRY_JOB_CHECK_INTERVAL_S') * 1000;
    this.websocketCorsOrigins = originList(opt('WEBSOCKET_CORS_ORIGINS'));
    this.httpCorsOrigins = originList(opt('HTTP_CORS_ORIGINS'));
    const trustProxy = opt('TRUST_PROXY')?.trim() ?? 'false';
    this.trustProxy =
      trustProxy === 'false' || trustProxy === ''
        ? false
        : trustProxy === 'true'
          ? true
          : /^\d+$/.test(trustProxy)
            ? Number(trustProxy)
            : trustProxy;
    this.authEnabled = v.AUTH_ENABLED !== false;
    this.authBootstrapAdminKey = opt('AUTH_BOOTSTRAP_ADMIN_KEY');
    this.authJwt =
      jwtSecret === undefined && jwksUrl === undefined
        ? undefined
        : {
            issuer: str('AUTH_JWT_ISSUER'),
            audience: str('AUTH_JWT_AUDIENCE'),
            secret: jwtSecret,
            jwksUrl,
            roleClaim: str('AUTH_JWT_ROLE_CLAIM'),
            unitsClaim: str('AUTH_JWT_UNITS_CLAIM'),
          };
    this.authFailureLimit = int('AUTH_FAILURE_LIMIT');
    this.authSocketRecheckMs = int('AUTH_SOCKET_RECHECK_S') * 1000;
    this.httpBodyLimitBytes = int('HTTP_BODY_LIMIT_KB') * 1024;
    this.httpRateLimitPerMinute = int('HTTP_RATE_LIMIT_PER_MINUTE');
    this.strictRateLimitPerMinute = int('MQTT_PUBLISH_RATE_LIMIT_PER_MINUTE');
    this.websocketPingTimeout = int('WEBSOCKET_PING_TIMEOUT');
    this.websocketPingInterval = int('WEBSOCKET_PING_INTERVAL');
    this.websocketFanoutIntervalMs = int('WEBSOCKET_FANOUT_INTERVAL_MS');
    this.websocketMaxMessageBytes = int('WEBSOCKET_MAX_MESSAGE_BYTES');
    this.websocketRateLimitPerS = int('WEBSOCKET_RATE_LIMIT_PER_S');
    this.websocketRateLimitBurst = int('WEBSOCKET_RATE_LIMIT_BURST');
    this.websocketMaxRoomsPerClient = int('WEBSOCKET_MAX_ROOMS_PER_CLIENT');
    this.websocketSlowClientMaxQueued = int('WEBSOCKET_SLOW_CLIENT_MAX_QUEUED');
    this.websocketSlowClientTimeoutMs = int('WEBSOCKET_SLOW_CLIENT_TIMEOUT_MS');
    this.websocketRecoveryWindowMs = int('WEBSOCKET_RECOVERY_WINDOW_MS');
    this.redisUrl = opt('REDIS_URL');
    this.opcuaServerUrl = opt('OPCUA_SERVER_URL');
    this.opcuaUsername = opt('OPCUA_USERNAME');
    this.opcuaPassword = opt('OPCUA_PASSWORD');
    this.opcuaSecurityPolicy = str('OPCUA_SECURITY_POLICY') as OpcuaSecurityPolicy;
    this.opcuaSecurityMode = str('OPCUA_SECURITY_MODE') as OpcuaSecurityMode;
    this.opcuaTimeoutMs = int('OPCUA_TIMEOUT');
    this.opcuaReconnectMaxMs = int('OPCUA_RECONNECT_MAX_MS');
    this.opcuaPublishingIntervalMs = int('OPCUA_PUBLISHING_INTERVAL_MS');
    this.opcuaPkiDir = opt('OPCUA_PKI_DIR') ?? join(this.dataDir, 'opcua-pki');
    this.opcuaDemoServer = v.OPCUA_DEMO_SERVER === true;
    this.opcuaDemoServerPort = int('OPCUA_DEMO_SERVER_PORT');
    this.sparkplugEnabled = v.SPARKPLUG_ENABLED === true;
    this.sparkplugHostId = str('SPARKPLUG_HOST_ID');
    const groups = String(v.SPARKPLUG_GROUPS ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g !== '');
    this.sparkplugGroups = groups.length > 0 ? groups : undefined;
    this.sparkplugReorderTimeoutMs = int('SPARKPLUG_REORDER_TIMEOUT_MS');
    this.sparkplugRebirthIntervalMs = int('SPARKPLUG_REBIRTH_INTERVAL_MS');
    this.sparkplugMaxPayloadBytes = int('SPARKPLUG_MAX_PAYLOAD_BYTES');
    this.sparkplugMaxMetrics = int('SPARKPLUG_MAX_METRICS');
    this.modbusAllowedHosts = (opt('MODBUS_ALLOWED_HOSTS') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== '');
    this.modbusMaxDevices = int('MODBUS_MAX_DEVICES');
    this.modbusReconnectMaxMs = int('MODBUS_RECONNECT_MAX_MS');
    const simModbusHost = str('SIMULATOR_MODBUS_HOST');
    if (int('SIMULATOR_MODBUS_PORT') > 0) {
      const anyAddress = simModbusHost === '0.0.0.0' || simModbusHost === '::';
      this.simulatorModbus = {
        port: int('SIMULATOR_MODBUS_PORT'),
        bindHost: simModbusHost,
        connectHost: anyAddress ? '127.0.0.1' : simModbusHost,
      };
    }
    const autostart = str('SIMULATOR_AUTOSTART');
    this.simulatorAutostart = autostart === 'auto' ? this.mqttBrokerHost === undefined : autostart === 'true';
    this.simulatorAllowExternal = v.SIMULATOR_ALLOW_EXTERNAL === true;
    this.simulatorUnits = int('SIMULATOR_UNITS');
    this.simulatorIntervalMs = int('SIMULATOR_INTERVAL_MS');
    this.simulatorRate = int('SIMULATOR_RATE');
    this.simulatorSeed = opt('SIMULATOR_SEED');
    this.simulatorQos = int('SIMULATOR_QOS') === 1 ? 1 : 0;
    this.simulatorProtocol = str('SIMULATOR_PROTOCOL') === 'sparkplug' ? 'sparkplug' : 'json';
    this.simulatorSparkplugGroup = str('SIMULATOR_SPARKPLUG_GROUP');
    this.simulatorBadQualityProbability = num('SIMULATOR_BAD_QUALITY_PROBABILITY');
    this.simulatorUncertainQualityProbability = num('SIMULATOR_UNCERTAIN_QUALITY_PROBABILITY');
    this.simulatorOutlierProbability = num('SIMULATOR_OUTLIER_PROBABILITY');
    this.simulatorOutageIntervalMs = int('SIMULATOR_OUTAGE_INTERVAL_S') * 1000;
    this.simulatorOutageDurationMs = int('SIMULATOR_OUTAGE_DURATION_S') * 1000;
    this.simulatorMaintenanceIntervalMs = int('SIMULATOR_MAINTENANCE_INTERVAL_S') * 1000;
    this.simulatorMaintenanceDurationMs = int('SIMULATOR_MAINTENANCE_DURATION_S') * 1000;
  }

  get embeddedDatabase(): boolean {
    return this.databaseUrl === undefined;
  }

  get embeddedBroker(): boolean {
    return this.mqttBrokerHost === undefined;
  }
}
