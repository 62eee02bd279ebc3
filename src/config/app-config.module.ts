import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AppConfig } from './app-config.js';
import { RUNTIME_INFO, type RuntimeInfo } from './runtime.js';

/** Where the validated AppConfig sits in ConfigService (an object, so @nestjs/config never copies it to process.env). */
export const APP_CONFIG_KEY = 'app';

/**
 * The `validate` function of ConfigModule: the one schema (env.schema.ts, checked by AppConfig) turns the merged
 * environment (`.env` under the process environment) into the typed AppConfig, or throws a ConfigError naming every
 * bad variable. The raw strings are kept too, so `.env` values still reach process.env as before.
 */
export function validateEnvironment(raw: Record<string, unknown>): Record<string, unknown> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string') env[name] = value;
  }
  return { ...env, [APP_CONFIG_KEY]: new AppConfig(env) };
}

/**
 * Loads and validates the configuration through @nestjs/config: a `.env` in the working directory fills in what the
 * environment does not set (the environment wins). Returns the global ConfigModule and the AppConfig it holds, which
 * the bootstrap needs before the application exists (embedded services, logger, port).
 */
export async function loadAppConfig(envFilePath = '.env'): Promise<{ module: DynamicModule; config: AppConfig }> {
  let config: AppConfig | undefined;
  const module = await ConfigModule.forRoot({
    isGlobal: true,
    cache: true,
    envFilePath,
    validate: (raw) => {
      const validated = validateEnvironment(raw);
      config = validated[APP_CONFIG_KEY] as AppConfig;
      return validated;
    },
  });
  return { module, config: config! };
}

/** Configuration and runtime facts, available everywhere: AppConfig is what services inject. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: DynamicModule, runtime: RuntimeInfo): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [config],
      providers: [
        {
          provide: AppConfig,
          inject: [ConfigService],
          useFactory: (service: ConfigService) => service.getOrThrow<AppConfig>(APP_CONFIG_KEY),
        },
        { provide: RUNTIME_INFO, useValue: runtime },
      ],
      exports: [AppConfig, RUNTIME_INFO],
    };
  }
}
