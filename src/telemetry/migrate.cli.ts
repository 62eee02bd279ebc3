import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../common/database/data-source.options.js';
import { EmbeddedDatabase } from '../common/embedded/embedded-database.js';
import { AppConfig, ConfigError } from '../config/app-config.js';

/**
 * `npm run migration:run`: applies pending migrations to DATABASE_URL, or to the embedded database under
 * DATA_DIR when it is unset. The backend also runs them at start-up; this is for deploy pipelines (a
 * Kubernetes Job) that migrate before rolling out.
 */
async function main(): Promise<void> {
  const config = new AppConfig(process.env);
  const embedded = config.databaseUrl === undefined ? await EmbeddedDatabase.start(config.dataDir) : undefined;
  const dataSource = new DataSource(dataSourceOptions(config.databaseUrl ?? embedded!.url, 1));
  try {
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    console.log(applied.length === 0 ? 'No pending migrations.' : `Applied: ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
  process.exit(1);
});
