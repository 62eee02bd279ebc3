import { rmSync } from 'node:fs';
import pg from 'pg';
import { tempDataDir } from './backend.js';
import { freePort } from './ports.js';

/**
 * Which services an end-to-end run uses, chosen by E2E_TARGET:
 *  - `embedded` (default): the backend's own in-process broker and PGlite database, as `npm start` runs it;
 *  - `services`: the real PostgreSQL and Mosquitto on this machine (PG_URL, MQTT_URL override the defaults);
 *  - `timescale`: as `services`, but PG_URL is a PostgreSQL with TimescaleDB preloaded (.ci/run starts a throwaway
 *    cluster for it); specs that need the extension check it with `timescaleAtPgUrl()` (prerequisites.ts).
 * Any other value is refused: a typo must not quietly run the embedded target.
 */
export type TargetName = 'embedded' | 'services' | 'timescale';
export const TARGET: TargetName = targetFromEnv(process.env.E2E_TARGET);
/** Both real-database targets: the backend gets DATABASE_URL on PG_URL's server and Mosquitto at MQTT_URL. */
export const REAL_SERVICES = TARGET !== 'embedded';

function targetFromEnv(value: string | undefined): TargetName {
  if (value === undefined || value === '' || value === 'embedded') return 'embedded';
  if (value === 'services' || value === 'timescale') return value;
  throw new Error(`E2E_TARGET must be embedded, services or timescale, got '${value}'`);
}
const PG_ADMIN_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MQTT_URL = new URL(process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883');

/** A database of its own on the real PostgreSQL (PG_URL), for a test file. */
export interface TestDatabase {
  url: string;
  dispose: () => Promise<void>;
}

/** Whether the real PostgreSQL (PG_URL, default 127.0.0.1:5432) answers, whatever E2E_TARGET says. */
export async function realPostgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The TimescaleDB version PG_URL's server can load (available and preloaded), or null; never throws. */
export async function timescaleVersionAtPgUrl(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string | null }>(
      `SELECT (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb') AS version
        WHERE current_setting('shared_preload_libraries', true) LIKE '%timescaledb%'`,
    );
    return rows[0]?.version ?? null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates a database named `id` on the real PostgreSQL; `dispose` drops it. */
export async function createDatabase(id: string): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${id}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${id}`;
  return {
    url: url.toString(),
    dispose: async () => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The URL of an embedded database's Unix socket in this data directory (no TCP port, no password). */
export function embeddedSocketUrl(dataDir: string): string {
  return `postgres://postgres@localhost/postgres?host=${encodeURIComponent(dataDir)}`;
}

/** A file-unique identifier: letters, digits and '_', safe as a database name and a topic level. */
export function testId(name: string): string {
  return `${name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${Date.now() % 1_000_000}`;
}

export interface TestTarget {
  /** Environment that points a backend at these services. */
  env: Record<string, string>;
  /** SQL connection string to the database the backend writes to. */
  databaseUrl: string;
  mqttHost: string;
  mqttPort: number;
  topicPrefix: string;
  /** Drops what the target created (the test database). */
  dispose(): Promise<void>;
}

export interface TargetOptions {
  /**
   * Let MQTT clients without credentials into the embedded broker (MQTT_ALLOW_ANONYMOUS=true). On by default for
   * specs that are not about broker authentication and publish with plain clients; device-auth specs turn it off
   * (or use `createDevice` for real device credentials).
   */
  anonymousMqtt?: boolean;
}

/**
 * Services for one test file: its own database (or embedded data directory), topic prefix and client id, so
 * files never see each other's data. `brokerPort` points the backend at a broker the test started itself.
 */
export async function createTarget(
  name: string,
  brokerPort?: number,
  options: TargetOptions = {},
): Promise<TestTarget> {
  const id = testId(name);
  const topicPrefix = `t_${id}`;
  // The simulator would start by itself on the embedded broker and publish on this prefix, changing every count the
  // specs assert; a spec that wants it starts it over REST (or sets SIMULATOR_AUTOSTART itself).
  const env: Record<string, string> = {
    MQTT_TOPIC_PREFIX: topicPrefix,
    MQTT_CLIENT_ID: `tc_${id}`,
    SIMULATOR_AUTOSTART: 'false',
    // Test brokers hold only test data: the simulator may publish to them.
    SIMULATOR_ALLOW_EXTERNAL: 'true',
    MQTT_ALLOW_ANONYMOUS: String(options.anonymousMqtt ?? true),
  };

  let databaseUrl: string;
  let dispose: () => Promise<void>;
  if (REAL_SERVICES) {
    const database = await createDatabase(id);
    databaseUrl = database.url;
    env.DATABASE_URL = databaseUrl;
    dispose = database.dispose;
  } else {
    const dataDir = tempDataDir();
    env.DATA_DIR = dataDir;
    dispose = () => {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    };
    // The embedded database's Unix socket (DATA_DIR/.s.PGSQL.5432): the test runs as the backend's OS user.
    databaseUrl = embeddedSocketUrl(dataDir);
  }

  let mqttHost = '127.0.0.1';
  let mqttPort: number;
  if (brokerPort !== undefined) {
    mqttPort = brokerPort;
    env.MQTT_BROKER_HOST = mqttHost;
  } else if (REAL_SERVICES) {
    mqttHost = MQTT_URL.hostname;
    mqttPort = Number(MQTT_URL.port || 1883);
    env.MQTT_BROKER_HOST = mqttHost;
  } else {
    mqttPort = await freePort();
  }
  env.MQTT_BROKER_PORT = String(mqttPort);
  return { env, databaseUrl, mqttHost, mqttPort, topicPrefix, dispose };
}

/**
 * The environment of one of several backends a spec starts by hand on one database and one broker it started
 * (scale-out specs): each needs its own client id; a prefix nobody publishes on makes an instance ingest nothing.
 */
export function instanceEnv(
  databaseUrl: string,
  brokerPort: number,
  topicPrefix: string,
  clientId: string,
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(brokerPort),
    MQTT_TOPIC_PREFIX: topicPrefix,
    MQTT_CLIENT_ID: clientId,
    SIMULATOR_AUTOSTART: 'false',
  };
}
