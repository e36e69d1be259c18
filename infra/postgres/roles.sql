-- Teia: the application role and its grants. Run as the schema owner, after every
-- `alembic upgrade` (idempotent):  psql "$OWNER_URL" -v ON_ERROR_STOP=1 -f infra/postgres/roles.sql
-- Set its password separately:   ALTER ROLE teia_app PASSWORD '...';
--
-- The application connects as teia_app, which owns no table, cannot bypass row-level
-- security, and cannot change or delete audit events or loaded regulations. Migrations run
-- as the owner.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'teia_app') THEN
        CREATE ROLE teia_app LOGIN;
    END IF;
END
$$;

ALTER ROLE teia_app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;

GRANT USAGE ON SCHEMA public TO teia_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO teia_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO teia_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO teia_app;

-- The audit trail is append-only for the application.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM teia_app;
-- A loaded regulation version or reference value is immutable: applications cite it.
REVOKE UPDATE, DELETE, TRUNCATE ON regulation_versions, reference_values FROM teia_app;
-- Only migrations touch the schema version.
REVOKE ALL ON alembic_version FROM teia_app;
