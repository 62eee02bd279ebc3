import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, ConfigError } from './app-config.js';
import { CONFIG_DOCS_COMMAND, staleConfigDocs } from './config-docs.js';
import { ENV_SCHEMA } from './env.schema.js';

describe('AppConfig', () => {
  it('runs on defaults alone: embedded database and broker, port 3000, prefix scada', () => {
    const config = new AppConfig({});
    expect(config.port).toBe(3000);
    expect(config.embeddedDatabase).toBe(true);
    expect(config.embeddedBroker).toBe(true);
    expect(config.mqttTopicPrefix).toBe('scada');
    expect(config.mqttClientId).toBe('thermacore_backend');
    expect(config.websocketCorsOrigins).toEqual([]);
    expect(config.authEnabled).toBe(true);
  });

  it('reads external services and lists of origins', () => {
    const config = new AppConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/scada',
      MQTT_BROKER_HOST: 'broker',
      MQTT_BROKER_PORT: '8883',
      WEBSOCKET_CORS_ORIGINS: 'https://hmi.example, https://ops.example',
    });
    expect(config.embeddedDatabase).toBe(false);
    expect(config.embeddedBroker).toBe(false);
    expect(config.mqttBrokerPort).toBe(8883);
    expect(config.websocketCorsOrigins).toEqual(['https://hmi.example', 'https://ops.example']);
  });

  it('treats an empty value as unset', () => {
    expect(new AppConfig({ DATABASE_URL: '', PORT: ' ' }).embeddedDatabase).toBe(true);
  });

  it('names every bad variable at once, and never echoes a secret', () => {
    let error: unknown;
    try {
      new AppConfig({
        PORT: 'eighty',
        MQTT_BROKER_PORT: '70000',
        MQTT_PROTOCOL_VERSION: '3',
        MQTT_TOPIC_PREFIX: 'scada/#',
        DATABASE_URL: 'mysql://root:hunter2@db',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'MQTT_BROKER_PORT', 'MQTT_PROTOCOL_VERSION', 'MQTT_TOPIC_PREFIX', 'DATABASE_URL']) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('hunter2');
  });

  function problemsOf(env: NodeJS.ProcessEnv): string {
    try {
      new AppConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    return '';
  }

  it('reads historian durations, and refuses a retention inside the aggregates refresh window', () => {
    const defaults = new AppConfig({});
    expect(defaults.telemetryRetentionSeconds).toBe(365 * 86_400);
    expect(defaults.telemetryCompressAfterSeconds).toBe(7 * 86_400);
    const off = new AppConfig({ TELEMETRY_RETENTION: '0', TELEMETRY_COMPRESS_AFTER: '0' });
    expect([off.telemetryRetentionSeconds, off.telemetryCompressAfterSeconds]).toEqual([0, 0]);
    expect(new AppConfig({ TELEMETRY_RETENTION: '90d' }).telemetryRetentionSeconds).toBe(90 * 86_400);
    expect(problemsOf({ TELEMETRY_RETENTION: '2d' })).toContain('TELEMETRY_RETENTION must be 0 or longer than 3d');
    expect(problemsOf({ TELEMETRY_RETENTION: 'forever' })).toContain(
      "TELEMETRY_RETENTION must be 0 or <integer><s|m|h|d> (e.g. 7d, 12h), got 'forever'",
    );
    expect(problemsOf({ TELEMETRY_COMPRESS_AFTER: '1 week' })).toContain('TELEMETRY_COMPRESS_AFTER must be 0 or');
  });

  it('reads the MQTT reconnect, shared-subscription and TLS settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-config-'));
    try {
      for (const name of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(join(dir, name), 'PEM');
      const config = new AppConfig({
        MQTT_BROKER_HOST: 'broker',
        MQTT_RECONNECT_MIN_MS: '500',
        MQTT_RECONNECT_MAX_MS: '60000',
        MQTT_SHARED_GROUP: 'scada-ingest',
        MQTT_TLS: 'true',
        MQTT_TLS_CA_FILE: join(dir, 'ca.pem'),
        MQTT_TLS_CERT_FILE: join(dir, 'client.pem'),
        MQTT_TLS_KEY_FILE: join(dir, 'client.key'),
        MQTT_TLS_REJECT_UNAUTHORIZED: 'false',
      });
      expect(config).toMatchObject({
        mqttReconnectMinMs: 500,
        mqttReconnectMaxMs: 60_000,
        mqttSharedGroup: 'scada-ingest',
        mqttTls: true,
        mqttTlsCaFile: join(dir, 'ca.pem'),
        mqttTlsRejectUnauthorized: false,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(new AppConfig({})).toMatchObject({
      mqttReconnectMinMs: 1000,
      mqttReconnectMaxMs: 30_000,
      mqttSharedGroup: undefined,
      mqttTls: false,
      mqttTlsRejectUnauthorized: true,
    });
  });

  it('refuses MQTT settings that cannot work, naming the variable', () => {
    expect(problemsOf({ MQTT_RECONNECT_MIN_MS: '5000', MQTT_RECONNECT_MAX_MS: '1000' })).toContain(
      'MQTT_RECONNECT_MAX_MS (1000) must not be below MQTT_RECONNECT_MIN_MS (5000)',
    );
    expect(problemsOf({ MQTT_BROKER_HOST: 'broker', MQTT_SHARED_GROUP: 'a/b' })).toContain('MQTT_SHARED_GROUP must be');
    expect(problemsOf({ MQTT_BROKER_HOST: 'broker', MQTT_SHARED_GROUP: 'g+' })).toContain('MQTT_SHARED_GROUP must be');
    expect(problemsOf({ MQTT_SHARED_GROUP: 'ingest' })).toContain('MQTT_SHARED_GROUP needs an external broker');
    expect(
      problemsOf({ MQTT_BROKER_HOST: 'broker', MQTT_SHARED_GROUP: 'ingest', SPARKPLUG_ENABLED: 'true' }),
    ).toContain('SPARKPLUG_ENABLED=true and MQTT_SHARED_GROUP exclude each other');
    expect(problemsOf({ MQTT_BROKER_HOST: 'broker', MQTT_SHARED_GROUP: 'ingest', SPARKPLUG_ENABLED: 'false' })).toBe(
      '',
    );
    expect(problemsOf({ MQTT_TLS_CERT_FILE: '/etc/hostname' })).toContain(
      'MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE go together',
    );
    expect(problemsOf({ MQTT_TLS_CA_FILE: '/nonexistent/ca.pem' })).toContain(
      "MQTT_TLS_CA_FILE must name a readable file, got '/nonexistent/ca.pem'",
    );
    expect(problemsOf({ MQTT_TLS: 'maybe' })).toContain('MQTT_TLS must be true or false');
    expect(problemsOf({ MQTT_TLS: 'true' })).toContain('MQTT_TLS needs an external broker');
  });

  it('keeps OPC UA off by default and refuses OPC UA settings that cannot work', () => {
    expect(new AppConfig({})).toMatchObject({
      opcuaServerUrl: undefined,
      opcuaSecurityMode: 'None',
      opcuaSecurityPolicy: 'None',
      opcuaDemoServer: false,
      opcuaDemoServerPort: 4840,
      opcuaPkiDir: join('./data', 'opcua-pki'),
    });
    expect(
      new AppConfig({
        OPCUA_SERVER_URL: 'opc.tcp://plc:4840/UA',
        OPCUA_SECURITY_MODE: 'SignAndEncrypt',
        OPCUA_SECURITY_POLICY: 'Basic256Sha256',
        DATA_DIR: '/var/lib/tc',
      }),
    ).toMatchObject({ opcuaServerUrl: 'opc.tcp://plc:4840/UA', opcuaPkiDir: '/var/lib/tc/opcua-pki' });
    expect(problemsOf({ OPCUA_SECURITY_MODE: 'Sign' })).toContain('needs a security policy other than None');
    expect(problemsOf({ OPCUA_SECURITY_POLICY: 'Basic256' })).toContain('goes with security policy None');
    expect(problemsOf({ OPCUA_SERVER_URL: 'http://plc' })).toContain('OPCUA_SERVER_URL');
    expect(problemsOf({ OPCUA_PASSWORD: 'hunter2' })).toContain('OPCUA_PASSWORD needs OPCUA_USERNAME');
    expect(problemsOf({ OPCUA_PASSWORD: 'hunter2' })).not.toContain('hunter2');
  });

  it(`is documented: .env.example and docs/configuration.md are generated from the schema (${CONFIG_DOCS_COMMAND})`, () => {
    const read = (path: string): string | undefined => {
      const file = new URL(`../../${path}`, import.meta.url);
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    };
    // Each message names the stale file and the command that regenerates it.
    expect(staleConfigDocs(ENV_SCHEMA, read)).toEqual([]);
  });

  it('checks the authentication settings, never echoing a secret', () => {
    expect(new AppConfig({ AUTH_ENABLED: 'false' }).authEnabled).toBe(false);
    expect(new AppConfig({}).authJwt).toBeUndefined();
    const jwt = new AppConfig({
      AUTH_JWT_SECRET: 's'.repeat(32),
      AUTH_JWT_ISSUER: 'https://idp',
      AUTH_JWT_AUDIENCE: 'scada',
    }).authJwt;
    expect(jwt).toMatchObject({ issuer: 'https://idp', audience: 'scada', roleClaim: 'role', unitsClaim: 'units' });
    expect(problemsOf({ AUTH_JWT_SECRET: 'short-secret-hunter2' })).toContain('at least 32 characters');
    expect(problemsOf({ AUTH_JWT_SECRET: 'short-secret-hunter2' })).toContain('AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE');
    expect(problemsOf({ AUTH_JWT_SECRET: 'short-secret-hunter2' })).not.toContain('hunter2');
    expect(problemsOf({ AUTH_BOOTSTRAP_ADMIN_KEY: 'tc_nothex_hunter2' })).toContain(
      'AUTH_BOOTSTRAP_ADMIN_KEY must look like',
    );
    expect(problemsOf({ AUTH_BOOTSTRAP_ADMIN_KEY: 'tc_nothex_hunter2' })).not.toContain('hunter2');
    expect(new AppConfig({ HTTP_CORS_ORIGINS: 'https://hmi.example/, *x' }).httpCorsOrigins).toEqual([
      'https://hmi.example',
      '*x',
    ]);
    expect(new AppConfig({ WEBSOCKET_CORS_ORIGINS: '*' }).websocketCorsOrigins).toBe('*');
  });

  it('starts the simulator by itself with the embedded broker only, unless told otherwise', () => {
    expect(new AppConfig({}).simulatorAutostart).toBe(true);
    expect(new AppConfig({ MQTT_BROKER_HOST: 'broker' }).simulatorAutostart).toBe(false);
    expect(new AppConfig({ MQTT_BROKER_HOST: 'broker', SIMULATOR_AUTOSTART: 'true' }).simulatorAutostart).toBe(true);
    expect(new AppConfig({ SIMULATOR_AUTOSTART: 'false' }).simulatorAutostart).toBe(false);
  });

  it('speaks JSON unless told Sparkplug, and refuses a Sparkplug group that is not an id', () => {
    expect(new AppConfig({})).toMatchObject({ simulatorProtocol: 'json', simulatorSparkplugGroup: 'ThermaCore' });
    expect(new AppConfig({ SIMULATOR_PROTOCOL: 'sparkplug', SIMULATOR_SPARKPLUG_GROUP: 'Plant-1' })).toMatchObject({
      simulatorProtocol: 'sparkplug',
      simulatorSparkplugGroup: 'Plant-1',
    });
    expect(() => new AppConfig({ SIMULATOR_PROTOCOL: 'opcua' })).toThrow(/SIMULATOR_PROTOCOL/);
    for (const bad of ['a/b', 'a+', '#', 'two words', 'STATE']) {
      expect(() => new AppConfig({ SIMULATOR_SPARKPLUG_GROUP: bad })).toThrow(/SIMULATOR_SPARKPLUG_GROUP/);
    }
  });

  it('reads simulator probabilities as decimals and refuses ones that cannot be', () => {
    const config = new AppConfig({ SIMULATOR_BAD_QUALITY_PROBABILITY: '0.25', SIMULATOR_OUTLIER_PROBABILITY: '1e-4' });
    expect(config.simulatorBadQualityProbability).toBe(0.25);
    expect(config.simulatorOutlierProbability).toBe(0.0001);
    expect(config.simulatorUncertainQualityProbability).toBe(0.002);
    expect(config.simulatorOutageIntervalMs).toBe(14_400_000);
    const problems = (env: NodeJS.ProcessEnv): string => {
      try {
        new AppConfig(env);
        return '';
      } catch (err) {
        return (err as ConfigError).message;
      }
    };
    expect(problems({ SIMULATOR_OUTLIER_PROBABILITY: 'often' })).toContain(
      'SIMULATOR_OUTLIER_PROBABILITY must be a number',
    );
    expect(problems({ SIMULATOR_BAD_QUALITY_PROBABILITY: '1.5' })).toContain('between 0 and 1');
    expect(problems({ SIMULATOR_BAD_QUALITY_PROBABILITY: '0.6', SIMULATOR_OUTLIER_PROBABILITY: '0.6' })).toContain(
      'must add up to at most 1',
    );
    const ranges = problems({ SIMULATOR_INTERVAL_MS: '5', SIMULATOR_UNITS: '0' });
    expect(ranges).toContain('SIMULATOR_INTERVAL_MS must be between 10 and 3600000, got 5');
    expect(ranges).toContain('SIMULATOR_UNITS must be between 1 and 10000, got 0');
    expect(problems({ SIMULATOR_RATE: '50000' })).toContain('SIMULATOR_RATE and SIMULATOR_UNITS do not fit');
    expect(new AppConfig({ SIMULATOR_RATE: '50000', SIMULATOR_UNITS: '1000' }).simulatorRate).toBe(50_000);
  });

  it('is documented: .env.example lists every variable with its default, and nothing else', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const listed = new Map<string, string>();
    for (const line of example.split('\n')) {
      const match = /^#?\s*([A-Z][A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (match) listed.set(match[1], match[2]);
    }
    expect([...listed.keys()].sort()).toEqual(Object.keys(ENV_SCHEMA).sort());
    for (const [name, spec] of Object.entries(ENV_SCHEMA)) {
      expect(`${name}=${listed.get(name)}`).toBe(`${name}=${'default' in spec ? spec.default : ''}`);
    }
  });
});
