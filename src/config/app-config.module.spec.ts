import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { ConfigService } from '@nestjs/config';
import { AppConfig, ConfigError } from './app-config.js';
import { APP_CONFIG_KEY, AppConfigModule, loadAppConfig } from './app-config.module.js';
import { RUNTIME_INFO, type RuntimeInfo } from './runtime.js';

const RUNTIME: RuntimeInfo = {
  databaseUrl: 'postgres://x',
  databaseEmbedded: true,
  brokerHost: '127.0.0.1',
  brokerPort: 1883,
  brokerEmbedded: true,
};

describe('loadAppConfig (@nestjs/config with the one schema as validate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-env-'));
  const touched = ['PORT', 'MQTT_TOPIC_PREFIX', 'MQTT_BROKER_PORT'];
  const saved = new Map(touched.map((name) => [name, process.env[name]]));

  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills in from the .env file what the environment does not set; the environment wins', async () => {
    const file = join(dir, 'ok.env');
    writeFileSync(file, 'PORT=1234\nMQTT_TOPIC_PREFIX=from_file\n');
    delete process.env.MQTT_TOPIC_PREFIX;
    process.env.PORT = '4321';
    const { module, config } = await loadAppConfig(file);
    expect(config).toBeInstanceOf(AppConfig);
    expect(config.port).toBe(4321);
    expect(config.mqttTopicPrefix).toBe('from_file');
    // As before: a .env value also reaches process.env for the code that reads it there.
    expect(process.env.MQTT_TOPIC_PREFIX).toBe('from_file');

    const app = await Test.createTestingModule({ imports: [AppConfigModule.forRoot(module, RUNTIME)] }).compile();
    expect(app.get(AppConfig)).toBe(config);
    expect(app.get(ConfigService).get(APP_CONFIG_KEY)).toBe(config);
    expect(app.get(RUNTIME_INFO)).toBe(RUNTIME);
    await app.close();
  });

  it('refuses a bad value from the .env file with the message that names the variable', async () => {
    const file = join(dir, 'bad.env');
    writeFileSync(file, 'MQTT_BROKER_PORT=70000\n');
    delete process.env.MQTT_BROKER_PORT;
    const error = await loadAppConfig(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('MQTT_BROKER_PORT must be between 0 and 65535, got 70000');
  });

  it('runs without a .env file', async () => {
    delete process.env.PORT;
    const { config } = await loadAppConfig(join(dir, 'missing.env'));
    expect(config.port).toBe(3000);
  });
});
