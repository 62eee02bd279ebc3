import type { QueryRunner } from 'typeorm';

/**
 * TimescaleDB can be used when it is installed already or can be installed: the extension must be available
 * and preloaded (CREATE EXTENSION fails otherwise, and a failed statement would abort the migration).
 * Every Timescale-only statement in a migration runs behind this check. The preload list is read from pg_settings,
 * not current_setting(): a role without pg_read_all_settings (a production backend's own role) gets an error from
 * current_setting() but simply no row from pg_settings, and then only an extension created by a DBA is used.
 */
export async function timescaleAvailable(q: QueryRunner): Promise<boolean> {
  const rows = (await q.query(`
    SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
           EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
             AND EXISTS (SELECT 1 FROM pg_settings
                         WHERE name = 'shared_preload_libraries' AND setting LIKE '%timescaledb%') AS installable`)) as {
    installed: boolean;
    installable: boolean;
  }[];
  return rows[0].installed || rows[0].installable;
}

/**
 * Whether TimescaleDB is installed here and `table` (in the current schema) is one of its hypertables. A database
 * created before the extension was installed has a plain sensor_readings, and Timescale-only statements on it
 * would fail.
 */
export async function isHypertable(q: QueryRunner, table: string): Promise<boolean> {
  const [ext] = (await q.query(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed`,
  )) as {
    installed: boolean;
  }[];
  if (!ext.installed) return false;
  const rows = (await q.query(
    `SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_schema = current_schema() AND hypertable_name = $1`,
    [table],
  )) as unknown[];
  return rows.length > 0;
}
