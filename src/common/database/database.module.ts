import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../../config/app-config.js';
import { RUNTIME_INFO, type RuntimeInfo } from '../../config/runtime.js';
import { dataSourceOptions } from './data-source.options.js';
import { DatabasePool } from './database.pool.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig, RUNTIME_INFO],
      useFactory: (config: AppConfig, runtime: RuntimeInfo) => ({
        ...dataSourceOptions(runtime.databaseUrl, runtime.databaseEmbedded ? 1 : config.databasePoolSize),
        migrationsRun: config.databaseMigrateOnStart,
        retryAttempts: 5,
        retryDelay: 2000,
      }),
    }),
  ],
  providers: [DatabasePool],
  exports: [DatabasePool],
})
export class DatabaseModule {}
