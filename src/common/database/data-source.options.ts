import type { DataSourceOptions } from 'typeorm';
import type { FeatureDefinition } from '../feature/feature.definition.js';
import { featureMigrations } from '../feature/feature-migrations.js';

/**
 * One definition of the database connection, shared by the app and the management CLIs: the entities and migrations
 * are those the features contribute (src/app.features.ts lists the features).
 */
export function dataSourceOptions(
  url: string,
  poolSize: number,
  features: readonly FeatureDefinition[],
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: features.flatMap((feature) => feature.entities ?? []),
    migrations: featureMigrations(features),
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: ['error', 'migration'],
    extra: { max: poolSize, application_name: 'thermacore-scada-core' },
  };
}
