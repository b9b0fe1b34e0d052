-- +goose Up
-- MLR review: a round per submission, a task per required function, and
-- in-app notifications for the people who must act.
ALTER TABLE versions ADD COLUMN submitted_at TIMESTAMPTZ;
ALTER TABLE versions ADD COLUMN approved_at TIMESTAMPTZ;

CREATE TABLE review_rounds (
    id           TEXT        PRIMARY KEY,
    version_id   TEXT        NOT NULL REFERENCES versions (id),
    number       INTEGER     NOT NULL,
    kind         TEXT        NOT NULL, -- initial or recertification
    status       TEXT        NOT NULL, -- open, approved, changes_requested, rejected
    report_id    TEXT        REFERENCES compliance_reports (id), -- the checker report it was submitted with
    submitted_by TEXT        NOT NULL REFERENCES users (id),
    submitted_at TIMESTAMPTZ NOT NULL,
    due_at       TIMESTAMPTZ NOT NULL,
    closed_at    TIMESTAMPTZ,
    UNIQUE (version_id, number)
);

CREATE TABLE review_tasks (
    id           TEXT        PRIMARY KEY,
    round_id     TEXT        NOT NULL REFERENCES review_rounds (id),
    version_id   TEXT        NOT NULL REFERENCES versions (id),
    brand        TEXT        NOT NULL,
    function     TEXT        NOT NULL,
    status       TEXT        NOT NULL,
    decided_by   TEXT        REFERENCES users (id),
    decided_at   TIMESTAMPTZ,
    comment      TEXT        NOT NULL DEFAULT '',
    signature_id TEXT        REFERENCES signatures (id),
    UNIQUE (round_id, function)
);
CREATE INDEX review_tasks_open ON review_tasks (status, brand, function);
CREATE INDEX review_tasks_version ON review_tasks (version_id);

CREATE TABLE notifications (
    id         TEXT        PRIMARY KEY,
    user_id    TEXT        NOT NULL REFERENCES users (id),
    kind       TEXT        NOT NULL,
    subject    TEXT        NOT NULL,
    link       TEXT        NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

-- +goose Down
DROP TABLE notifications;
DROP TABLE review_tasks;
DROP TABLE review_rounds;
ALTER TABLE versions DROP COLUMN approved_at;
ALTER TABLE versions DROP COLUMN submitted_at;
