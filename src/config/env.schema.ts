import { MODBUS_ENV } from '../modbus/modbus.config.js';
import { MQTT_ENV } from '../mqtt/mqtt.config.js';
import { OPCUA_ENV } from '../opcua/opcua.config.js';
import { SIMULATOR_MODBUS_ENV } from '../simulator/modbus-sim.config.js';
import { SPARKPLUG_ENV } from '../sparkplug/sparkplug.config.js';
import type { EnvVarSpec } from './env-var.js';

export type { EnvKind, EnvVarSpec } from './env-var.js';

/**
 * Every environment variable the backend reads, assembled in one place: its type, default and a one-line description.
 * A feature may own its slice (`<feature>.config.ts`, e.g. src/mqtt/mqtt.config.ts: its variables, defaults and
 * descriptions), spread in here where its variables stand; the other variables are listed here directly. The order is the
 * order of `.env.example` and of the variable reference in docs/configuration.md, which are generated from it
 * (`npm run docs:config`); a unit test fails while they are stale, and one fails if a slice's variable is missing or
 * overridden here (src/config/env.schema.spec.ts).
 */
// prettier-ignore
export const ENV_SCHEMA = {
  NODE_ENV: { kind: 'enum', default: 'development', values: ['development', 'production', 'test'], description: 'Runtime environment.' },
  PORT: { kind: 'int', default: '3000', min: 0, max: 65535, description: 'HTTP port for the REST API, Swagger UI and Socket.IO (0 picks a free port).' },
  HOST: { kind: 'string', default: '0.0.0.0', description: 'Interface the HTTP server binds to.' },
  LOG_LEVEL: { kind: 'enum', default: 'log', values: ['error', 'warn', 'log', 'debug', 'verbose'], description: 'Most detailed log level printed.' },
  DEBUG: { kind: 'string', description: 'Library tracing through the `debug` package, as its own DEBUG variable (`mqttjs*`, `socket.io*`, `engine*`, `*`), printed on stderr. Read once at start. Unset: none, and the libraries\' trace calls (mqtt.js and mqtt-packet on every packet, engine.io, Socket.IO) cost nothing: the `debug` package they call is replaced by a no-op before they load.' },
  SHUTDOWN_TIMEOUT_MS: { kind: 'int', default: '20000', min: 1000, max: 600000, description: 'On SIGTERM/SIGINT: longest the backend spends writing pending batches and sending their PUBACKs before it exits anyway (keep it below the orchestrator grace period).' },
  DATA_DIR: { kind: 'string', default: './data', description: 'Directory for the embedded database files and its Unix socket (used only when DATABASE_URL is unset); made private to the backend\'s OS user (0700).' },

  DATABASE_URL: { kind: 'string', secret: true, description: 'PostgreSQL/TimescaleDB connection URL. Unset: an in-process PostgreSQL (PGlite) under DATA_DIR.' },
  DATABASE_POOL_SIZE: { kind: 'int', default: '10', min: 1, max: 200, description: 'Connections in the pool to an external database (the embedded one always uses 1).' },
  DATABASE_MIGRATE_ON_START: { kind: 'bool', default: 'true', description: 'Apply pending migrations at start-up. Set false where a deploy job (node dist/src/telemetry/migrate.cli.js) migrates before the rollout, so replicas never race.' },
  EMBEDDED_DATABASE_PORT: { kind: 'int', min: 0, max: 65535, description: 'Loopback TCP port on which the embedded PostgreSQL also accepts psql/pg clients, with the password kept in DATA_DIR/embedded-database.password (0 picks a free port). Unset: only the Unix socket in DATA_DIR, for this OS user.' },
  EMBEDDED_DATABASE_SHARED_BUFFERS_MB: { kind: 'int', default: '24', min: 1, max: 4096, description: 'shared_buffers of the embedded PostgreSQL in MB. PGlite keeps them in WebAssembly memory that is all resident from the start and never shrinks, so they are most of its resident size (24 kept a 100,000-reading flood as fast as 32, 5-8 MB smaller); PostgreSQL\'s own default is 128.' },
  EMBEDDED_DATABASE_WASM_TIER_UP: { kind: 'bool', default: 'false', description: 'Let V8 recompile the embedded PostgreSQL\'s busiest WebAssembly functions with its optimising compiler (TurboFan). Off: they stay on the baseline compiler (Liftoff): TurboFan\'s compile memory (about 60 MB at start-up, freed but kept by malloc) stays out of the backend, and a 100,000-reading flood measured as fast. Applies to all WebAssembly in the process.' },
  V8_HEAP_GROWING_PERCENT: { kind: 'int', min: 0, max: 1000, description: 'How far V8 lets the old generation grow past what the last full collection left, in percent (V8\'s --heap-growing-percent). Unset: 30 with the embedded database (DATABASE_URL unset), where an ingest flood otherwise grew the heap by some 50-80 MB of garbage before V8 collected it (50 costs 5-8 MB more at the peak, 20 saves about 5 MB at 10-20 % more CPU per reading); V8\'s own adaptive factor (up to 4x) with an external one. 0: V8\'s own.' },

  ...MQTT_ENV,

  INGEST_BATCH_SIZE: { kind: 'int', default: '1000', min: 1, max: 100000, description: 'Readings gathered into one batch before it moves down the pipeline.' },
  INGEST_BATCH_WINDOW_MS: { kind: 'int', default: '0', min: 0, max: 1000, description: 'Longest a reading waits for its batch to fill before the batch moves on; 0: until the end of the event-loop turn it arrived in (what one socket read delivered rides in one batch, lowest latency).' },
  WRITER_MAX_ROWS: { kind: 'int', default: '5000', min: 1, max: 100000, description: 'Most rows written in one INSERT statement.' },
  WRITER_MAX_PENDING: { kind: 'int', default: '200000', min: 1000, description: 'Readings waiting for the database before unacknowledged (QoS 0) batches are dropped and counted.' },
  WRITER_SPLIT_MAX_STATEMENTS: { kind: 'int', default: '64', min: 2, max: 10000, description: 'Most INSERT statements spent splitting one batch the database refuses (a check or foreign-key violation) to find its refused rows; what is still refused when they run out is dead-lettered whole.' },
  LAST_SEEN_INTERVAL_MS: { kind: 'int', default: '5000', min: 0, max: 600000, description: 'Shortest time between two last_seen updates of sensors and units: updates are coalesced per sensor and written after the commit, never holding an acknowledgement.' },
  DEAD_LETTER_MAX_ROWS: { kind: 'int', default: '100000', min: 1, max: 100000000, description: 'Most rows kept in reading_dead_letters (readings the database refused); the oldest beyond it are deleted by the prune job.' },
  DEAD_LETTER_MAX_AGE: { kind: 'string', default: '30d', description: 'Dead-lettered readings older than this are deleted by the prune job (<integer><s|m|h|d>); 0 keeps them until DEAD_LETTER_MAX_ROWS pushes them out.' },
  DEAD_LETTER_PRUNE_INTERVAL_S: { kind: 'int', default: '300', min: 1, max: 86400, description: 'Seconds between two runs of the dead-letter prune job (it also runs once at start-up, and early when many rows arrive).' },
  NOTIFICATIONS_ALLOWED_HOSTS: { kind: 'string', default: '', description: 'Hosts notification channels may reach (comma-separated host names or IP addresses, each optionally :port; e.g. hooks.slack.com,smtp.example.com:587). Empty refuses every channel, so the channels API cannot be used to reach internal services (SSRF).' },
  NOTIFICATIONS_POLL_MS: { kind: 'int', default: '1000', min: 50, max: 60000, description: 'Time between two looks of the notification worker at the outbox (due deliveries and escalations are sent at most this late).' },
  NOTIFICATIONS_LEASE_S: { kind: 'int', default: '60', min: 2, max: 3600, description: 'How long a worker holds a claimed delivery; one that is not finished by then (its instance crashed) is sent by another. A send is cut off at half the lease, whatever the channel timeout says, so a live worker never loses its lease mid-send.' },
  NOTIFICATIONS_MAX_ATTEMPTS: { kind: 'int', default: '10', min: 1, max: 1000, description: 'Attempts at one delivery before it is marked failed.' },
  NOTIFICATIONS_RETRY_INITIAL_MS: { kind: 'int', default: '5000', min: 10, max: 3600000, description: 'Delay before the first retry of a failed delivery; doubles with each failure (with jitter), up to NOTIFICATIONS_RETRY_MAX_MS.' },
  NOTIFICATIONS_RETRY_MAX_MS: { kind: 'int', default: '600000', min: 10, max: 86400000, description: 'Cap on the delay between two attempts at one delivery.' },
  NOTIFICATIONS_MAX_OUTBOX: { kind: 'int', default: '10000', min: 1, max: 10000000, description: 'Most deliveries waiting in the outbox; further ones are stored as rejected (outbox full, counted in /metrics) instead of queued.' },
  NOTIFICATIONS_RETENTION: { kind: 'string', default: '7d', description: 'Finished deliveries (delivered, failed, cancelled, rejected) older than this are deleted (<integer><s|m|h|d>); 0 keeps them.' },
  NOTIFICATIONS_FLOOD_THRESHOLD: { kind: 'int', default: '10', min: 0, max: 100000, description: 'Flood suppression (ISA-18.2 / EEMUA 191): a channel that was told about more than this many distinct alarms within NOTIFICATIONS_FLOOD_WINDOW_S is flooded, and its non-critical notifications are folded into one summary per NOTIFICATIONS_FLOOD_SUMMARY_S (critical ones still go out one by one). 0 turns flood suppression off.' },
  NOTIFICATIONS_FLOOD_WINDOW_S: { kind: 'int', default: '600', min: 1, max: 86400, description: 'The sliding window, in seconds, over which a channel\'s alarms are counted for flood suppression.' },
  NOTIFICATIONS_FLOOD_SUMMARY_S: { kind: 'int', default: '300', min: 1, max: 86400, description: 'During a flood, one summary per channel per this many seconds: the first folded notification opens a summary that is sent this long after, with everything folded meanwhile.' },
  COMMANDS_SELECT_WINDOW_S: { kind: 'int', default: '10', min: 1, max: 300, description: 'How long a selection (POST .../commands/select) stays valid for the operate call of a select-before-operate point.' },
  COMMANDS_REFUSED_UNIT_STATUSES: { kind: 'string', default: 'offline,maintenance', description: 'Unit statuses (comma-separated, of online, offline, maintenance) in which commands to the unit are refused with 409; `none` allows commands whatever the status.' },
  COMMANDS_MAX_OPEN_PER_UNIT: { kind: 'int', default: '16', min: 1, max: 10000, description: 'Most commands in flight (pending or sent) to one unit at once; one point has at most one. Further commands are refused with 409.' },
  COMMANDS_MAX_ROWS: { kind: 'int', default: '100000', min: 100, max: 100000000, description: 'Most finished commands kept in the commands table; the oldest beyond it are deleted by the prune job.' },
  COMMANDS_RETENTION: { kind: 'string', default: '90d', description: 'Finished commands older than this are deleted by the prune job (<integer><s|m|h|d>); 0 keeps them until COMMANDS_MAX_ROWS pushes them out. The audit log keeps its own record.' },
  MAX_UNITS: { kind: 'int', default: '10000', min: 1, max: 1000000, description: 'Most units the backend knows; a reading or status of a further unit is rejected (cardinality_limit) and nothing is created.' },
  MAX_SENSORS_PER_UNIT: { kind: 'int', default: '256', min: 1, max: 100000, description: 'Most sensors one unit may have; a reading of a further sensor is rejected (cardinality_limit) and nothing is created.' },
  MAX_NEW_SENSORS_PER_MINUTE: { kind: 'int', default: '1000', min: 1, max: 1000000, description: 'New sensors registered per minute (token bucket, this many at once); readings of further new sensors are rejected (cardinality_limit) until it refills.' },
  READING_MAX_FUTURE_S: { kind: 'int', default: '300', min: 0, description: 'Readings stamped further than this in the future are rejected (clock skew bound).' },
  READING_MAX_AGE_S: { kind: 'int', default: '2592000', min: 0, description: 'Readings stamped further than this in the past are rejected (default 30 days).' },

  TELEMETRY_RETENTION: { kind: 'string', default: '365d', description: 'Raw readings older than this are deleted (<integer><s|m|h|d>, e.g. 90d); 0 keeps them forever. TimescaleDB: a retention policy (the 1-minute/1-hour aggregates are kept); plain PostgreSQL: a batched delete job.' },
  TELEMETRY_COMPRESS_AFTER: { kind: 'string', default: '7d', description: 'TimescaleDB only: chunks whose readings are all older than this are compressed (<integer><s|m|h|d>); 0 turns the compression policy off.' },
  TELEMETRY_RETENTION_INTERVAL_S: { kind: 'int', default: '3600', min: 1, max: 604800, description: 'Plain PostgreSQL only: seconds between two runs of the retention job (it also runs once at start-up).' },
  TELEMETRY_JOB_CHECK_INTERVAL_S: { kind: 'int', default: '60', min: 1, max: 86400, description: 'TimescaleDB only: seconds between two reads of the retention, compression and continuous-aggregate refresh jobs\' run statistics (failures in /api/v1/scada/status and /metrics; also read once at start-up).' },
  TELEMETRY_RETENTION_BATCH: { kind: 'int', default: '10000', min: 100, max: 1000000, description: 'Plain PostgreSQL only: most readings one DELETE of the retention job removes, so no run holds long locks or bloats one transaction.' },

  WEBSOCKET_CORS_ORIGINS: { kind: 'string', description: 'Comma-separated origins (https://hmi.example) whose pages may open Socket.IO connections, * for any. Unset: the backend\'s own origin only. Clients that send no Origin (services, scripts) are not affected.' },
  WEBSOCKET_PING_TIMEOUT: { kind: 'int', default: '20000', min: 1000, description: 'Socket.IO ping timeout in milliseconds.' },
  WEBSOCKET_PING_INTERVAL: { kind: 'int', default: '25000', min: 1000, description: 'Socket.IO ping interval in milliseconds.' },
  WEBSOCKET_FANOUT_INTERVAL_MS: { kind: 'int', default: '0', min: 0, max: 1000, description: 'Readings of one unit gathered over this many ms go out as one sensor_data event; 0 sends one per ingest batch (lowest latency).' },
  WEBSOCKET_MAX_MESSAGE_BYTES: { kind: 'int', default: '16384', min: 1024, max: 1048576, description: 'Largest message a Socket.IO client may send (maxHttpBufferSize); a larger one closes its connection. Clients send only small control events.' },
  WEBSOCKET_RATE_LIMIT_PER_S: { kind: 'int', default: '20', min: 1, max: 100000, description: 'Client events per second each Socket.IO connection may send (token bucket refill rate); events past it get a rate-limit error and are counted.' },
  WEBSOCKET_RATE_LIMIT_BURST: { kind: 'int', default: '40', min: 1, max: 100000, description: 'Client events a Socket.IO connection may send at once before WEBSOCKET_RATE_LIMIT_PER_S applies (token bucket size).' },
  WEBSOCKET_MAX_ROOMS_PER_CLIENT: { kind: 'int', default: '100', min: 1, max: 10000, description: 'Unit rooms one Socket.IO connection may be in at once (units never seen count too); a subscribe_unit past it is refused whole and counted as room_limit.' },
  WEBSOCKET_SLOW_CLIENT_MAX_QUEUED: { kind: 'int', default: '64', min: 1, max: 100000, description: 'Packets waiting in a client connection\'s send buffer past which it counts as behind: it then gets only the latest value per sensor once it catches up.' },
  WEBSOCKET_SLOW_CLIENT_TIMEOUT_MS: { kind: 'int', default: '10000', min: 100, max: 600000, description: 'A client that stays behind this long is disconnected (so is one with more than 4 x WEBSOCKET_SLOW_CLIENT_MAX_QUEUED packets waiting).' },
  WEBSOCKET_RECOVERY_WINDOW_MS: { kind: 'int', default: '10000', min: 0, max: 600000, description: 'Socket.IO connection-state recovery: a client that reconnects within this window gets the events it missed and keeps its rooms; 0 = off. Not available with REDIS_URL (the Redis pub/sub adapter does not support it).' },
  REDIS_URL: { kind: 'string', secret: true, description: 'Redis for Socket.IO scale-out (redis:// or rediss://): every instance then reaches every client, whichever instance ingested the reading. Unset: a single instance.' },

  ...OPCUA_ENV,
  OPCUA_DEMO_SERVER: { kind: 'bool', default: 'false', description: 'Serve the simulator units over OPC UA (a node-opcua server, Objects/Units/UNITnnn/<sensor>), fed by the running simulator.' },
  OPCUA_DEMO_SERVER_PORT: { kind: 'int', default: '4840', min: 0, max: 65535, description: 'Port of the OPC UA demo server (0 picks a free port).' },

  ...SPARKPLUG_ENV,
  ...MODBUS_ENV,
  ...SIMULATOR_MODBUS_ENV,

  AUTH_ENABLED: { kind: 'bool', default: 'true', description: 'Require credentials (API key or JWT) on every route and Socket.IO connection except health, metrics and docs. false opens everything to anyone (a warning is logged at start-up).' },
  AUTH_BOOTSTRAP_ADMIN_KEY: { kind: 'string', secret: true, description: 'An admin API key (tc_<16 hex>_<32-128 chars of A-Z a-z 0-9 _ ->) created at start-up if its id is not stored yet, for provisioning without a console. Revoking it sticks.' },
  AUTH_JWT_ISSUER: { kind: 'string', description: 'Expected iss of bearer JWTs from the identity provider. Needed with AUTH_JWT_SECRET or AUTH_JWT_JWKS_URL.' },
  AUTH_JWT_AUDIENCE: { kind: 'string', description: 'Expected aud of bearer JWTs. Needed with AUTH_JWT_SECRET or AUTH_JWT_JWKS_URL.' },
  AUTH_JWT_SECRET: { kind: 'string', secret: true, description: 'Shared secret (at least 32 characters) of HS256-signed JWTs. Set this or AUTH_JWT_JWKS_URL to accept JWTs.' },
  AUTH_JWT_JWKS_URL: { kind: 'string', description: 'JWKS URL of the identity provider (RS256/ES256/PS256/EdDSA-signed JWTs). Set this or AUTH_JWT_SECRET to accept JWTs.' },
  AUTH_JWT_ROLE_CLAIM: { kind: 'string', default: 'role', description: 'Claim holding the role (viewer, operator, engineer or admin; in a list, the highest counts). Dotted paths reach nested claims (realm_access.roles).' },
  AUTH_JWT_UNITS_CLAIM: { kind: 'string', default: 'units', description: 'Claim holding the list of unit ids the token is limited to; absent: all units.' },
  AUTH_FAILURE_LIMIT: { kind: 'int', default: '20', min: 1, max: 100000, description: 'Failed authentications allowed per client IP per minute; past it the IP gets 429 for a minute.' },
  TRUST_PROXY: { kind: 'string', description: 'Express `trust proxy`: unset or false takes the connection\'s address as the client IP; behind an ingress, the number of proxy hops (1) or the proxies\' addresses/subnets (loopback, 10.0.0.0/8) whose X-Forwarded-For is believed.' },
  AUTH_SOCKET_RECHECK_S: { kind: 'int', default: '30', min: 1, max: 3600, description: 'How often connected Socket.IO clients\' API keys are checked again, so a key revoked on another instance disconnects them (revocations on this instance act at once).' },
  HTTP_CORS_ORIGINS: { kind: 'string', description: 'Comma-separated origins whose pages may call the REST API from a browser, * for any. Unset: no cross-origin calls (the dashboard is served from the same origin).' },
  HTTP_BODY_LIMIT_KB: { kind: 'int', default: '64', min: 1, max: 10240, description: 'Largest request body accepted, in KiB (413 above).' },
  HTTP_RATE_LIMIT_PER_MINUTE: { kind: 'int', default: '1200', min: 1, max: 1000000, description: 'Requests per minute per caller (API key, token subject, or IP without credentials) before 429.' },
  MQTT_PUBLISH_RATE_LIMIT_PER_MINUTE: { kind: 'int', default: '60', min: 1, max: 100000, description: 'Test messages per minute per caller through POST /api/v1/scada/mqtt/publish, and commands through POST .../commands, before 429.' },

  SIMULATOR_AUTOSTART: { kind: 'enum', default: 'auto', values: ['auto', 'true', 'false'], description: 'Start the plant simulator with the backend. auto: only when the embedded broker is used (npm start shows live data at once).' },
  SIMULATOR_ALLOW_EXTERNAL: { kind: 'bool', default: 'false', description: 'Let the simulator publish to an external broker (MQTT_BROKER_HOST set). Off, so fake readings cannot reach a live plant; the embedded broker needs no flag.' },
  SIMULATOR_UNITS: { kind: 'int', default: '5', min: 1, max: 10000, description: 'Simulated units, named UNIT001, UNIT002, ...; each sends temperature, pressure, flow_rate and power every tick.' },
  SIMULATOR_INTERVAL_MS: { kind: 'int', default: '1000', min: 10, max: 3600000, description: 'Time between two ticks of the simulator; every online unit sends its four readings each tick.' },
  SIMULATOR_RATE: { kind: 'int', default: '0', min: 0, max: 1000000, description: 'Target readings per second (load mode); when above 0 it sets the tick interval to units x 4 / rate and SIMULATOR_INTERVAL_MS is ignored.' },
  SIMULATOR_SEED: { kind: 'string', description: 'Seed of the simulation: the same seed gives the same readings tick for tick (the model clock then starts at a fixed instant). Unset: a random seed, model clock = wall clock.' },
  SIMULATOR_QOS: { kind: 'enum', default: '0', values: ['0', '1'], description: 'MQTT QoS of simulated readings: 0 (fire and forget, for load) or 1 (acknowledged by the broker). Status messages always use 1.' },
  SIMULATOR_PROTOCOL: { kind: 'enum', default: 'json', values: ['json', 'sparkplug'], description: 'What the simulator speaks: json ({prefix}/{unit}/{sensor}) or sparkplug (one Sparkplug B edge node, a device per unit; needs SPARKPLUG_ENABLED=true to be stored, docs/sparkplug.md). A start request may choose too.' },
  SIMULATOR_SPARKPLUG_GROUP: { kind: 'string', default: 'ThermaCore', description: 'Sparkplug group of the simulator\'s edge node `Simulator` in sparkplug mode: its units are stored as {group}_Simulator_UNIT001, ...' },
  SIMULATOR_BAD_QUALITY_PROBABILITY: { kind: 'number', default: '0.001', min: 0, max: 1, description: 'Probability that a simulated reading carries BAD quality.' },
  SIMULATOR_UNCERTAIN_QUALITY_PROBABILITY: { kind: 'number', default: '0.002', min: 0, max: 1, description: 'Probability that a simulated reading carries UNCERTAIN quality.' },
  SIMULATOR_OUTLIER_PROBABILITY: { kind: 'number', default: '0.001', min: 0, max: 1, description: 'Probability that a simulated reading is an outlier (a spike of 15-35 % of the sensor span, still GOOD).' },
  SIMULATOR_OUTAGE_INTERVAL_S: { kind: 'int', default: '14400', min: 0, description: 'Mean running time (s) before a simulated unit drops offline by itself; 0 = never.' },
  SIMULATOR_OUTAGE_DURATION_S: { kind: 'int', default: '180', min: 1, description: 'Mean length (s) of an unprompted outage of a simulated unit.' },
  SIMULATOR_MAINTENANCE_INTERVAL_S: { kind: 'int', default: '43200', min: 0, description: 'Mean running time (s) before a simulated unit goes into maintenance (readings UNCERTAIN); 0 = never.' },
  SIMULATOR_MAINTENANCE_DURATION_S: { kind: 'int', default: '900', min: 1, description: 'Mean length (s) of a maintenance window of a simulated unit.' },
} as const satisfies Record<string, EnvVarSpec>;

export type EnvName = keyof typeof ENV_SCHEMA;
