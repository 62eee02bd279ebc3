import type { MigrationInterface } from 'typeorm';
import type { FeatureDefinition } from './feature.definition.js';

type MigrationClass = new () => MigrationInterface;

/** The 13-digit epoch in milliseconds a migration class name ends in, as TypeORM reads it. */
const EPOCH_SUFFIX = /(\d{13})$/;

/**
 * Every migration the features contribute, in the one order that holds whichever feature owns them: by the epoch in
 * the class name (`CreateTelemetry1764000000000`). A class without one, or two sharing an epoch, stops the start:
 * the order of the database's history would otherwise depend on the order features are listed in.
 */
export function featureMigrations(features: readonly FeatureDefinition[]): MigrationClass[] {
  const byEpoch = new Map<number, MigrationClass>();
  for (const feature of features) {
    for (const migration of feature.migrations ?? []) {
      const epoch = EPOCH_SUFFIX.exec(migration.name)?.[1];
      if (epoch === undefined) {
        throw new Error(`Migration ${migration.name} of feature '${feature.name}' has no epoch at the end of its name`);
      }
      const other = byEpoch.get(Number(epoch));
      if (other !== undefined && other !== migration) {
        throw new Error(`Migrations ${other.name} and ${migration.name} share the epoch ${epoch}`);
      }
      byEpoch.set(Number(epoch), migration);
    }
  }
  return [...byEpoch].sort(([a], [b]) => a - b).map(([, migration]) => migration);
}
