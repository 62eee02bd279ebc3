import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - `api_keys`: one row per key; only the SHA-256 of its secret is stored. Revoked keys stay, for the audit trail.
 * - `audit_log`: append-only. A trigger refuses UPDATE, DELETE and TRUNCATE, whoever sends them, so a bug or a
 *   compromised backend cannot rewrite history through the application's connection. An owner of the table can
 *   still drop the trigger: where that matters, let a separate role own the table and grant the backend's role
 *   only INSERT and SELECT on it (see docs/security.md, Audit log).
 */
export class ApiKeysAndAuditLog1764000006000 implements MigrationInterface {
  name = 'ApiKeysAndAuditLog1764000006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id varchar(16) PRIMARY KEY,
        name varchar(128) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('viewer', 'operator', 'engineer', 'admin')),
        units text[],
        secret_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        created_by varchar(256),
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_by varchar(256)
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor varchar(256) NOT NULL,
        actor_kind varchar(16) NOT NULL,
        actor_id varchar(256),
        role varchar(16),
        action varchar(128) NOT NULL,
        method varchar(16),
        path varchar(2048),
        target jsonb,
        result varchar(8) NOT NULL CHECK (result IN ('ok', 'denied', 'failed')),
        status smallint,
        ip varchar(64),
        old_value jsonb,
        new_value jsonb,
        detail varchar(1024)
      )`);
    await q.query(`CREATE INDEX audit_log_at ON audit_log (at)`);
    await q.query(`CREATE INDEX audit_log_actor ON audit_log (actor, id)`);
    await q.query(`CREATE INDEX audit_log_action ON audit_log (action, id)`);
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS audit_log`);
    await q.query(`DROP FUNCTION IF EXISTS audit_log_append_only()`);
    await q.query(`DROP TABLE IF EXISTS api_keys`);
  }
}
