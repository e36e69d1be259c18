#!/bin/sh
# One-shot deployment step, run by the `migrate` service before web, worker and beat start:
#   1. the schema, as its owner (TEIA_MIGRATION_DATABASE_URL);
#   2. the application role teia_app and its grants (infra/postgres/roles.sql, idempotent);
#   3. teia_app's password, from TEIA_APP_DB_PASSWORD.
# Safe to run any number of times; run it after every upgrade (new tables need new grants).
set -eu

: "${TEIA_MIGRATION_DATABASE_URL:?TEIA_MIGRATION_DATABASE_URL (the schema owner) is not set}"
: "${TEIA_APP_DB_PASSWORD:?TEIA_APP_DB_PASSWORD (the teia_app role) is not set}"

cd "$(dirname "$0")/.."

echo "migrate: alembic upgrade head"
alembic upgrade head

# psql takes libpq URLs: drop SQLAlchemy's "+driver" part (postgresql+psycopg:// -> postgresql://).
owner_url=$(printf '%s' "$TEIA_MIGRATION_DATABASE_URL" | sed -E 's#^postgres(ql)?\+[A-Za-z0-9_]+://#postgresql://#')

echo "migrate: application role and grants (infra/postgres/roles.sql)"
psql "$owner_url" --no-psqlrc --quiet -v ON_ERROR_STOP=1 -f infra/postgres/roles.sql

echo "migrate: application role password"
psql "$owner_url" --no-psqlrc --quiet -v ON_ERROR_STOP=1 -f infra/postgres/app_password.sql

echo "migrate: done"
