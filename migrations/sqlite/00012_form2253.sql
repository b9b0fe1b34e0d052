-- +goose Up
-- FDA Form 2253: the brand's application, and which pieces were submitted.
ALTER TABLE brands ADD COLUMN application_type TEXT NOT NULL DEFAULT '';
ALTER TABLE brands ADD COLUMN application_number TEXT NOT NULL DEFAULT '';

CREATE TABLE form2253_submissions (
    version_id   TEXT        PRIMARY KEY REFERENCES versions (id),
    submitted_at DATETIME NOT NULL,
    submitted_by TEXT        NOT NULL REFERENCES users (id),
    reference    TEXT        NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE form2253_submissions;
ALTER TABLE brands DROP COLUMN application_number;
ALTER TABLE brands DROP COLUMN application_type;
