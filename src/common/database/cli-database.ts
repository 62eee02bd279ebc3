import 'reflect-metadata';
import { DataSource, type Migration } from 'typeorm';
import { ConfigError, type AppConfig } from '../../config/app-config.js';
import { loadAppConfig } from '../../config/app-config.module.js';
import { EmbeddedDatabase } from '../embedded/embedded-database.js';
import type { FeatureDefinition } from '../feature/feature.definition.js';
import { dataSourceOptions } from './data-source.options.js';

/** The database side a CLI has: TypeORM's `query` on its one connection. */
export interface CliDatabase {
  query<R extends object>(text: string, params?: unknown[]): Promise<R[]>;
}

/** What a management CLI's work gets: the configuration, the migrated database, and what was migrated now. */
export interface CliContext {
  config: AppConfig;
  db: CliDatabase;
  applied: Migration[];
}

/**
 * Runs a management CLI's work against the configured database, as the backend would open it: the configuration
 * through the backend's own loader (same schema, `.env` under the environment), `DATABASE_URL` or the embedded
 * database under `DATA_DIR` (stop the backend first there), pending migrations of `features` applied (the CLI's
 * entry point passes the composition root's list, src/app.features.ts). Closes everything after.
 */
export async function withCliDatabase<T>(
  features: readonly FeatureDefinition[],
  work: (context: CliContext) => Promise<T>,
): Promise<T> {
  const { config } = await loadAppConfig();
  const embedded =
    config.databaseUrl === undefined
      ? await EmbeddedDatabase.start(config.dataDir, {
          sharedBuffersMb: config.embeddedDatabaseSharedBuffersMb,
          wasmTierUp: config.embeddedDatabaseWasmTierUp,
        })
      : undefined;
  const dataSource = new DataSource(dataSourceOptions(config.databaseUrl ?? embedded!.url, 1, features));
  try {
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    const db: CliDatabase = {
      query: <R extends object>(text: string, params?: unknown[]) => dataSource.query<R[]>(text, params),
    };
    return await work({ config, db, applied });
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

/** Runs a CLI's main: a failure prints its message (never a stack for a configuration error) and exits 1. */
export function runCli(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
    process.exit(1); // the CLI failed: a non-zero exit for the script or shell that ran it
  });
}
