import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log belongs to no role the backend logs in as. `scada_audit_owner` (NOLOGIN) owns `audit_log`, its
 * sequence and its append-only trigger function; the role running the migrations (the backend's) keeps only
 * SELECT and INSERT (and the sequence). So, for a backend role that is not a superuser, UPDATE, DELETE and
 * TRUNCATE are refused by privileges before the trigger is even asked, and the trigger cannot be dropped or
 * disabled: that needs the owner. A superuser can do anything whatever we do; the trigger still stops a bug.
 *
 * Needs CREATEROLE (or superuser) once, to create the owner role and hand the table to it; without it the
 * migration says so (NOTICE) and leaves the table as it was: then let an administrator run it (see the README,
 * Security). Roles are cluster-wide: several databases of one cluster share `scada_audit_owner`.
 */
export class AuditLogOwner1764000007300 implements MigrationInterface {
  name = 'AuditLogOwner1764000007300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      DECLARE
        runtime text := current_user;
        privileged boolean;
      BEGIN
        SELECT rolsuper OR rolcreaterole INTO privileged FROM pg_roles WHERE rolname = runtime;
        IF NOT privileged THEN
          RAISE NOTICE 'audit_log stays owned by %: creating its owner role needs CREATEROLE', runtime;
          RETURN;
        END IF;
        BEGIN
          CREATE ROLE scada_audit_owner NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
          NULL;
        END;
        -- Membership just long enough to hand the table over (a non-superuser may only give to a role it is in).
        -- and a new owner needs CREATE on the schema at the moment of the transfer.
        EXECUTE format('GRANT scada_audit_owner TO %I', runtime);
        EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO scada_audit_owner', current_schema());
        ALTER TABLE audit_log OWNER TO scada_audit_owner;
        ALTER FUNCTION audit_log_append_only() OWNER TO scada_audit_owner;
        EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM scada_audit_owner', current_schema());
        REVOKE ALL ON audit_log FROM PUBLIC;
        EXECUTE format('REVOKE ALL ON audit_log FROM %I', runtime);
        EXECUTE format('GRANT SELECT, INSERT ON audit_log TO %I', runtime);
        EXECUTE format('GRANT USAGE ON SEQUENCE audit_log_id_seq TO %I', runtime);
        EXECUTE format('REVOKE scada_audit_owner FROM %I', runtime);
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF (SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log' AND schemaname = current_schema())
           = 'scada_audit_owner' THEN
          EXECUTE format('GRANT scada_audit_owner TO %I', current_user);
          EXECUTE format('ALTER TABLE audit_log OWNER TO %I', current_user);
          EXECUTE format('ALTER FUNCTION audit_log_append_only() OWNER TO %I', current_user);
          EXECUTE format('REVOKE scada_audit_owner FROM %I', current_user);
        END IF;
      END
      $$`);
  }
}
