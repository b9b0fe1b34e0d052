-- +goose Up
-- Reminders before expiry, sent once per threshold, and the re-review flag
-- set when a brand's safety information changes.
CREATE TABLE expiry_reminders (
    version_id TEXT        NOT NULL REFERENCES versions (id),
    days       INTEGER     NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (version_id, days)
);
ALTER TABLE versions ADD COLUMN rereview_required BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE versions DROP COLUMN rereview_required;
DROP TABLE expiry_reminders;
