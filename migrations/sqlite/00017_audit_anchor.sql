-- +goose Up
-- The audit trail's anchor moves out of the database: signed checkpoints
-- in the object store replace audit_head, which anyone able to edit the
-- events could move too. The head is now the newest event (max(seq)).
--
-- seal is the server's HMAC of each event's hash, with a key derived from
-- the checkpoint signing key: an event inserted straight into the table
-- carries no valid seal.
ALTER TABLE audit_events ADD COLUMN seal TEXT NOT NULL DEFAULT '';
DROP TABLE audit_head;

-- +goose Down
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
SELECT 1, COALESCE(MAX(seq), 0), COALESCE((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), '0000000000000000000000000000000000000000000000000000000000000000')
FROM audit_events;
ALTER TABLE audit_events DROP COLUMN seal;
