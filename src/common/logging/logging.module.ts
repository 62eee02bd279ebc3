import { LoggerModule, Logger as PinoNestLogger, PinoLogger, type Params } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config.js';
import { createRootLogger } from './app-logger.js';
import { httpLoggerOptions } from './http-logger.js';

/** One root logger per configuration: the bootstrap's logger (before the application exists) and the module share it. */
const paramsByConfig = new WeakMap<AppConfig, Params>();

/**
 * nestjs-pino's parameters: pino-http on top of the root logger (LOG_LEVEL, JSON in production or one readable line
 * elsewhere, secrets redacted), with the request id and the level decision of http-logger.ts.
 */
export function loggerParams(config: AppConfig): Params {
  let params = paramsByConfig.get(config);
  if (params === undefined) {
    params = { pinoHttp: { logger: createRootLogger(config), ...httpLoggerOptions() } };
    paramsByConfig.set(config, params);
  }
  return params;
}

/**
 * The Nest logger for the bootstrap, before the application (and its LoggerModule) exists: the same nestjs-pino
 * Logger over the same root, so every `new Logger(Context)` writes through pino from the first line on.
 */
export function bootstrapLogger(config: AppConfig): PinoNestLogger {
  const params = loggerParams(config);
  return new PinoNestLogger(new PinoLogger(params), params);
}

/** nestjs-pino for the application: request logging and the injectable Logger, configured from AppConfig. */
export const LoggingModule = LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerParams });
