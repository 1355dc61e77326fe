/**
 * Migrations for who may change and read what (versions 45 and later): the audit log's old and
 * new values, the least-privilege application role the AWS tasks log in as, and the ECS task of
 * each cluster node for recovery. Same dialect rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const accessMigrations: Migration[] = [
  {
    version: 45,
    name: 'audit log: old and new value of every change (CLI, admin endpoint, admin API)',
    sql: `
ALTER TABLE admin_audit ADD COLUMN old_value JSONB;
ALTER TABLE admin_audit ADD COLUMN new_value JSONB;
CREATE INDEX admin_audit_target_idx ON admin_audit(target);
`,
  },
  {
    version: 50,
    name: 'application role nimbus_app: data access only (no DDL, no roles); IAM login on Aurora',
    // Run by the schema owner. Roles are cluster-wide: concurrent first migrations of several
    // databases race on CREATE ROLE, so a duplicate is ignored. Default privileges make the tables
    // of later migrations (created by the same owner) usable by the role without another GRANT.
    sql: `
DO $$
BEGIN
  BEGIN
    CREATE ROLE nimbus_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
  END;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO nimbus_app', current_database());
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO nimbus_app;
  END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO nimbus_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO nimbus_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO nimbus_app;
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM nimbus_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO nimbus_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO nimbus_app;
`,
  },
  {
    version: 51,
    name: 'cluster registry: the ECS task of each node (recovery stops the task of a silent node)',
    sql: `
ALTER TABLE cluster_nodes ADD COLUMN task_arn TEXT;
`,
  },
  {
    version: 52,
    name: 'application role nimbus_app: strip role attributes it must not have, if it pre-existed with them',
    // Migration 50 leaves a role that already existed as it was (created by an operator, or by a
    // test harness on a shared server): the role's contract is data access only, so take away
    // superuser, CREATEROLE, CREATEDB, replication and RLS bypass where present.
    sql: `
DO $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_roles WHERE rolname = 'nimbus_app'
      AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls)
  ) THEN
    ALTER ROLE nimbus_app NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  END IF;
END
$$;
`,
  },
];
