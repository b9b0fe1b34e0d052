-- +goose Up
-- The audit trail's anchor moves out of the database: signed checkpoints in
-- the object store replace audit_head, which anyone able to edit the events
-- could move too. The head is now the newest event (max(seq)); appends are
-- serialised with a transaction-scoped advisory lock instead of a row lock,
-- so the application needs no UPDATE on any audit table.
--
-- seal is the server's HMAC of each event's hash, with a key derived from
-- the checkpoint signing key: an event inserted straight into the table
-- carries no valid seal.
ALTER TABLE audit_events ADD COLUMN seal TEXT NOT NULL DEFAULT '';
DROP TABLE audit_head;

-- When the application runs as its own role (scripts/postgres-roles.sql),
-- default privileges give it UPDATE and DELETE on every table the owner
-- creates. The audit trail and the signatures are append-only: take from
-- every role but the owner whatever would let it change or remove rows, so
-- that only SELECT and INSERT remain. The owner keeps its rights (and the
-- triggers), since only a superuser or the owner could remove them anyway.
-- +goose StatementBegin
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN
        SELECT DISTINCT c.relname,
               CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee
        FROM pg_class c
        CROSS JOIN LATERAL aclexplode(c.relacl) a
        LEFT JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid IN ('audit_events'::regclass, 'signatures'::regclass)
          AND a.grantee <> c.relowner
          AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES')
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON %I FROM %s', g.relname, g.grantee);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
SELECT 1, COALESCE(MAX(seq), 0), COALESCE((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), repeat('0', 64))
FROM audit_events;
ALTER TABLE audit_events DROP COLUMN seal;
