// First: it sets V8's heap growth before the other modules fill the heap (see the module).
import './config/v8-heap.early.js';
// Before the libraries are loaded: settings they read once (see the module).
import './common/library-tuning/library-tuning.early.js';
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { type DynamicModule, Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { ApiKeyService } from './common/auth/api-key.service.js';
import { EmbeddedBroker } from './common/embedded/embedded-broker.js';
import { EmbeddedDatabase } from './common/embedded/embedded-database.js';
import { bootstrapLogger } from './common/logging/logging.module.js';
import { APP_VERSION } from './common/version.js';
import { type AppConfig, ConfigError } from './config/app-config.js';
import { loadAppConfig } from './config/app-config.module.js';
import { mountDashboardAssets } from './dashboard/dashboard-assets.js';
import type { RuntimeInfo } from './config/runtime.js';
import { BrokerGate } from './devices/broker-gate.js';
import { ConfiguredIoAdapter } from './gateway/configured-io.adapter.js';
import { ShutdownService } from './shutdown/shutdown.service.js';
import { applyV8HeapGrowingPercent, v8HeapGrowingPercent } from './config/v8-heap.js';

/** Kept back from SHUTDOWN_TIMEOUT_MS for closing Nest, the HTTP server and the embedded services after the drain. */
const CLOSE_RESERVE_MS = 2000;
/** Time kept to log and exit once the close hooks have had their share of SHUTDOWN_TIMEOUT_MS. */
const EXIT_MARGIN_MS = 250;

async function loadConfig(): Promise<{ module: DynamicModule; config: AppConfig }> {
  try {
    return await loadAppConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG (sysexits.h): the configuration is wrong, not the program
    }
    throw err;
  }
}

async function bootstrap(): Promise<void> {
  const { module: configModule, config } = await loadConfig();
  // The configured heap growth (v8-heap.early.ts applied the embedded default until now).
  applyV8HeapGrowingPercent(v8HeapGrowingPercent(config.v8HeapGrowingPercent, config.databaseUrl === undefined));
  // Before anything logs: every `new Logger(...)` in the code base writes through nestjs-pino from here on.
  Logger.overrideLogger(bootstrapLogger(config));
  const logger = new Logger('Bootstrap');
  const stops: (() => Promise<void>)[] = [];

  // Embedded services start first, so the application sees them exactly like external ones.
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === undefined) {
    const db = await EmbeddedDatabase.start(config.dataDir, {
      port: config.embeddedDatabasePort,
      sharedBuffersMb: config.embeddedDatabaseSharedBuffersMb,
      wasmTierUp: config.embeddedDatabaseWasmTierUp,
    });
    stops.unshift(() => db.stop());
    databaseUrl = db.url;
    logger.log(
      `Embedded PostgreSQL (PGlite) in ${db.dataDir}, on the Unix socket ${db.socketPath} (this OS user only)`,
    );
    if (db.tcp) {
      const where = `postgres://postgres:<password>@127.0.0.1:${db.tcp.port}/postgres`;
      logger.log(`Embedded PostgreSQL also on ${where}, the password in ${db.tcp.passwordFile}`);
      // Printed this once, when it is generated (as AUTH's first-start login URL is): later starts only name the file.
      if (db.tcp.createdPassword)
        logger.warn(`Embedded PostgreSQL password (new, shown once): ${db.tcp.createdPassword}`);
    }
  }
  let brokerHost = config.mqttBrokerHost;
  let brokerPort = config.mqttBrokerPort;
  let brokerGate: BrokerGate | undefined;
  if (brokerHost === undefined) {
    brokerGate = new BrokerGate({
      topicPrefix: config.mqttTopicPrefix,
      backendClientId: config.mqttClientId,
      allowAnonymous: config.mqttAllowAnonymous,
    });
    const broker = await EmbeddedBroker.start('127.0.0.1', config.mqttBrokerPort, brokerGate);
    stops.unshift(() => broker.stop());
    brokerHost = '127.0.0.1';
    brokerPort = broker.port;
    logger.log(`Embedded MQTT broker listening on mqtt://127.0.0.1:${broker.port}`);
  }
  const runtime: RuntimeInfo = {
    databaseUrl,
    databaseEmbedded: config.embeddedDatabase,
    brokerHost,
    brokerPort,
    brokerEmbedded: config.embeddedBroker,
    brokerGate,
  };

  if (brokerGate !== undefined && config.mqttAllowAnonymous) {
    logger.warn(
      [
        '',
        '********************************************************************************',
        '*  MQTT_ALLOW_ANONYMOUS=true: THE EMBEDDED BROKER LETS ANYONE IN.               *',
        '*  Any client without a user name may publish readings for every unit and      *',
        '*  subscribe to every topic. For a lab bench only, never for a plant.           *',
        '********************************************************************************',
      ].join('\n'),
    );
  }

  if (!config.authEnabled) {
    logger.warn(
      [
        '',
        '********************************************************************************',
        '*  AUTH_ENABLED=false: AUTHENTICATION IS OFF.                                   *',
        '*  Anyone who can reach this port can publish MQTT messages, change alarm       *',
        '*  rules, acknowledge alarms and run the simulator. Never run a plant like this. *',
        '********************************************************************************',
      ].join('\n'),
    );
  }

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(configModule, runtime), {
    // Nest's own start-up lines wait for the application's nestjs-pino Logger (the same root logger).
    bufferLogs: true,
    // Same-origin by default: browsers may call the API cross-origin only from the listed origins.
    cors:
      config.httpCorsOrigins === '*'
        ? { origin: true }
        : config.httpCorsOrigins.length > 0
          ? { origin: config.httpCorsOrigins }
          : false,
  });
  app.useLogger(app.get(PinoNestLogger));
  // Off by default: X-Forwarded-For is believed only from proxies named here, or any client could pick its IP
  // (and dodge the per-address failure limit, or put its failures on someone else's address).
  app.set('trust proxy', config.trustProxy);
  app.useBodyParser('json', { limit: config.httpBodyLimitBytes });
  app.useBodyParser('urlencoded', { limit: config.httpBodyLimitBytes, extended: false });
  app.use(
    helmet({
      contentSecurityPolicy: {
        // Swagger UI (/api/docs) and the dashboard load their scripts from this origin; Swagger UI styles inline.
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'", 'ws:', 'wss:'],
          fontSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          // Plants often serve the HMI over plain HTTP on a LAN: upgrading requests would break it.
          upgradeInsecureRequests: null,
        },
      },
    }),
  );
  app.useWebSocketAdapter(new ConfiguredIoAdapter(app));
  mountDashboardAssets(app);
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, transform: true }),
  );
  const openApi = new DocumentBuilder()
    .setTitle('ThermaCore SCADA Core')
    .setDescription(
      'Management API of the SCADA backend. Live data: Socket.IO on the same port (events `subscribe_unit`, `sensor_data`). Readings in: MQTT `scada/{unit_id}/{sensor_type}`.',
    )
    .setVersion(APP_VERSION)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'An API key (tc_…) or a JWT of the identity provider',
    })
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi), {
    jsonDocumentUrl: 'api/docs-json',
  });

  let shuttingDown = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    const started = Date.now();
    const timeout = config.shutdownTimeoutMs;
    // The promise to the orchestrator: gone within the timeout, whatever hangs. Exit 1 says the drain did not
    // finish; nothing is lost by it (unacknowledged readings stay with the broker).
    setTimeout(() => {
      logger.error(`Shutdown did not finish within SHUTDOWN_TIMEOUT_MS (${timeout} ms): exiting now`);
      process.exit(1);
    }, timeout);
    logger.log(`${signal} received: draining, then exiting (at most ${timeout} ms)`);
    let complete: boolean;
    try {
      const reserve = Math.min(CLOSE_RESERVE_MS, timeout / 4);
      complete = (await app.get(ShutdownService).drain(started + timeout - reserve)).complete;
      // Once drained, nothing is at stake: a module whose close hook hangs must not turn a clean drain into a
      // killed process, so closing gets what is left of the timeout, less a margin to exit in.
      const closing = (async () => {
        await app.close();
        for (const stop of stops) await stop();
        return true;
      })();
      const left = Math.max(0, started + timeout - EXIT_MARGIN_MS - Date.now());
      const closed = await Promise.race([
        closing,
        new Promise<false>((resolve) => setTimeout(() => resolve(false), left).unref()),
      ]);
      if (!closed) logger.warn(`Modules still closing ${Date.now() - started} ms after ${signal}: exiting anyway`);
    } catch (err) {
      complete = false;
      logger.error(`Shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    logger.log(`Stopped after ${Date.now() - started} ms`);
    process.exit(complete ? 0 : 1);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutdown(signal));
  }

  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as AddressInfo;
  logger.log(
    `ThermaCore SCADA Core ${APP_VERSION} on http://localhost:${address.port} (dashboard /, API docs /api/docs)`,
  );
  const firstKey = app.get(ApiKeyService).takeFirstStartToken();
  if (firstKey !== undefined) {
    // Printed once, to the console only (not through the logger): the next start finds a key and prints nothing.
    console.log(
      `\nFirst start: an admin API key was created. Open this URL once to sign in (it is not shown again):\n\n` +
        `    http://localhost:${address.port}/#api_key=${firstKey}\n\n` +
        `Use the same key with the API: Authorization: Bearer <key>. Create more keys: npm run keys -- --help\n`,
    );
  }
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
