import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../../migrations/index.js';
import { ALERT_ENTITIES } from '../../alerts/entities/index.js';
import { TELEMETRY_ENTITIES } from '../../telemetry/entities/index.js';

/** One definition of the database connection, shared by the app and the `migration:run` command. */
export function dataSourceOptions(url: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [...TELEMETRY_ENTITIES, ...ALERT_ENTITIES],
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: ['error', 'migration'],
    extra: { max: poolSize, application_name: 'thermacore-scada-core' },
  };
}
