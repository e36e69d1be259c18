-- Teia: set the application role's password from the environment (run by infra/migrate.sh,
-- after roles.sql, as the schema owner). The value never appears in a file or on a command
-- line: psql reads it with \getenv (psql >= 15) and quotes it as a literal.
--   TEIA_APP_DB_PASSWORD=... psql "$OWNER_URL" -v ON_ERROR_STOP=1 -f infra/postgres/app_password.sql

\getenv app_password TEIA_APP_DB_PASSWORD
\if :{?app_password}
ALTER ROLE teia_app PASSWORD :'app_password';
\else
DO $$ BEGIN RAISE EXCEPTION 'TEIA_APP_DB_PASSWORD is not set: teia_app password unchanged'; END $$;
\endif
