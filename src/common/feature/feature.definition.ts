import type { MigrationInterface } from 'typeorm';

/**
 * What a feature contributes to the database, declared in its own `<feature>.feature.ts` and listed once in the
 * composition root (src/app.features.ts), so that neither the database options nor the migration CLI name a feature.
 * Plain data with no Nest in it: the management CLIs load it without starting the application. What a feature
 * reports at run time (health, status, metrics) it registers with the FeatureRegistry instead.
 */
export interface FeatureDefinition {
  /** The feature's folder, e.g. `telemetry`. */
  readonly name: string;
  /** TypeORM entity classes of the tables the feature owns. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for an entity class
  readonly entities?: readonly Function[];
  /**
   * Migrations of the tables the feature owns (files in migrations/, `<epoch>-<PascalName>.ts`). Every feature's are
   * run together, ordered by the epoch their class name ends in, not by feature.
   */
  readonly migrations?: readonly (new () => MigrationInterface)[];
}
