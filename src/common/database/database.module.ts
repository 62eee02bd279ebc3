import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../../config/app-config.js';
import { RUNTIME_INFO, type RuntimeInfo } from '../../config/runtime.js';
import type { FeatureDefinition } from '../feature/feature.definition.js';
import { dataSourceOptions } from './data-source.options.js';
import { DatabasePool } from './database.pool.js';

@Module({})
export class DatabaseModule {
  /** The database with the entities and migrations of `features` (the composition root's list). */
  static forRoot(features: readonly FeatureDefinition[]): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig, RUNTIME_INFO],
          useFactory: (config: AppConfig, runtime: RuntimeInfo) => ({
            ...dataSourceOptions(runtime.databaseUrl, runtime.databaseEmbedded ? 1 : config.databasePoolSize, features),
            migrationsRun: config.databaseMigrateOnStart,
            retryAttempts: 5,
            retryDelay: 2000,
          }),
        }),
      ],
      providers: [DatabasePool],
      exports: [DatabasePool],
    };
  }
}
