import type { QueryRunner } from 'typeorm';

/**
 * TimescaleDB can be used when it is installed already or can be installed: the extension must be available
 * and preloaded (CREATE EXTENSION fails otherwise, and a failed statement would abort the migration).
 * Every Timescale-only statement in a migration runs behind this check.
 */
export async function timescaleAvailable(q: QueryRunner): Promise<boolean> {
  const rows = (await q.query(`
    SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
           EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
             AND current_setting('shared_preload_libraries', true) LIKE '%timescaledb%' AS installable`)) as {
    installed: boolean;
    installable: boolean;
  }[];
  return rows[0].installed || rows[0].installable;
}
