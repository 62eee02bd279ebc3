import { runCli, withCliDatabase } from '../common/database/cli-database.js';
import { APP_FEATURES } from '../app.features.js';

/**
 * `npm run migration:run`: applies pending migrations to DATABASE_URL, or to the embedded database under
 * DATA_DIR when it is unset. The backend also runs them at start-up; this is for deploy pipelines (a
 * Kubernetes Job) that migrate before rolling out.
 */
runCli(() =>
  withCliDatabase(APP_FEATURES, ({ applied }) => {
    console.log(applied.length === 0 ? 'No pending migrations.' : `Applied: ${applied.map((m) => m.name).join(', ')}`);
    return Promise.resolve();
  }),
);
