-- +goose Up
-- The audit trail: append-only and hash-chained. Each row's hash covers its
-- own fields and the previous row's hash, so editing, deleting or reordering
-- rows breaks the chain. audit_head remembers the newest link so that
-- removing rows from the end is detected too, and serialises writers.
CREATE TABLE audit_events (
    seq         BIGINT      PRIMARY KEY,
    occurred_at TIMESTAMPTZ NOT NULL,
    actor_id    TEXT        NOT NULL DEFAULT '',
    actor       TEXT        NOT NULL DEFAULT '',
    action      TEXT        NOT NULL,
    object_type TEXT        NOT NULL DEFAULT '',
    object_id   TEXT        NOT NULL DEFAULT '',
    brand       TEXT        NOT NULL DEFAULT '',
    details     TEXT        NOT NULL DEFAULT '{}',
    request_id  TEXT        NOT NULL DEFAULT '',
    client_ip   TEXT        NOT NULL DEFAULT '',
    prev_hash   TEXT        NOT NULL,
    hash        TEXT        NOT NULL UNIQUE
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
