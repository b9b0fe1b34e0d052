-- Fairshelf's two PostgreSQL roles: an owner that migrations run as, and the
-- application's role, which may read and write the application's tables but
-- may only SELECT and INSERT on the audit trail (audit_events) and the
-- electronic signatures (signatures). Not being their owner, the application
-- cannot ALTER TABLE ... DISABLE TRIGGER, TRUNCATE, UPDATE or DELETE them.
--
-- Run once, as a superuser, in Fairshelf's (empty or already migrated)
-- database, with the two passwords as psql variables:
--
--   psql "postgres://postgres@db.example:5432/fairshelf" -v ON_ERROR_STOP=1 \
--        -v owner_password="$OWNER_PASSWORD" -v app_password="$APP_PASSWORD" \
--        -f scripts/postgres-roles.sql
--
-- then configure Fairshelf with
--   FAIRSHELF_MIGRATE_DATABASE_URL=postgres://fairshelf_owner:…@db.example:5432/fairshelf
--   FAIRSHELF_DATABASE_URL=postgres://fairshelf_app:…@db.example:5432/fairshelf
-- (or run `fairshelf migrate` with the owner's URL as FAIRSHELF_DATABASE_URL
-- before each upgrade, and serve with the application's URL only).

CREATE ROLE fairshelf_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE fairshelf_app LOGIN PASSWORD :'app_password';

-- The owner creates the schema's tables (and the trusted extension pg_trgm,
-- hence CREATE on the database); nobody else may create any.
ALTER SCHEMA public OWNER TO fairshelf_owner;
SELECT format('GRANT CREATE ON DATABASE %I TO fairshelf_owner', current_database()) \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO fairshelf_app;

-- Every table and sequence the owner's migrations create is usable by the
-- application. Migration 00017 (and any later migration creating an
-- append-only table) takes UPDATE, DELETE and TRUNCATE back on the audit
-- tables.
ALTER DEFAULT PRIVILEGES FOR ROLE fairshelf_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO fairshelf_app;
ALTER DEFAULT PRIVILEGES FOR ROLE fairshelf_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO fairshelf_app;

-- For a database migrated before this script ran (tables owned by
-- fairshelf_owner): the same rights on what exists, the audit tables again
-- append-only.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO fairshelf_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO fairshelf_app;
DO $$
BEGIN
    IF to_regclass('public.audit_events') IS NOT NULL THEN
        REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_events FROM fairshelf_app;
    END IF;
    IF to_regclass('public.signatures') IS NOT NULL THEN
        REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON signatures FROM fairshelf_app;
    END IF;
END
$$;
