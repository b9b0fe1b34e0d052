-- +goose Up
-- The audit trail: append-only and hash-chained. Each row's hash covers its
-- own fields and the previous row's hash, so editing, deleting or reordering
-- rows breaks the chain. audit_head remembers the newest link so that
-- removing rows from the end is detected too.
CREATE TABLE audit_events (
    seq         INTEGER  PRIMARY KEY,
    occurred_at DATETIME NOT NULL,
    actor_id    TEXT     NOT NULL DEFAULT '',
    actor       TEXT     NOT NULL DEFAULT '',
    action      TEXT     NOT NULL,
    object_type TEXT     NOT NULL DEFAULT '',
    object_id   TEXT     NOT NULL DEFAULT '',
    brand       TEXT     NOT NULL DEFAULT '',
    details     TEXT     NOT NULL DEFAULT '{}',
    request_id  TEXT     NOT NULL DEFAULT '',
    client_ip   TEXT     NOT NULL DEFAULT '',
    prev_hash   TEXT     NOT NULL,
    hash        TEXT     NOT NULL UNIQUE
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is not allowed');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: DELETE is not allowed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_events_no_delete;
DROP TRIGGER audit_events_no_update;
DROP TABLE audit_head;
DROP TABLE audit_events;
