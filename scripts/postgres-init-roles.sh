#!/bin/sh
# Creates Fairshelf's owner and application roles when the PostgreSQL
# container initialises its data folder (docker-entrypoint-initdb.d); see
# postgres-roles.sql. The passwords come from the container's environment.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v owner_password="$FAIRSHELF_OWNER_PASSWORD" \
    -v app_password="$FAIRSHELF_APP_PASSWORD" \
    -f /fairshelf/postgres-roles.sql
