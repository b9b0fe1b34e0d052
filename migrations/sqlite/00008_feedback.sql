-- +goose Up
-- Field feedback from reps about a piece.
CREATE TABLE feedback (
    id         TEXT        PRIMARY KEY,
    asset_id   TEXT        NOT NULL REFERENCES assets (id),
    version_id TEXT        REFERENCES versions (id),
    brand      TEXT        NOT NULL,
    user_id    TEXT        NOT NULL REFERENCES users (id),
    kind       TEXT        NOT NULL, -- objection, question, praise, issue
    text       TEXT        NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX feedback_asset ON feedback (asset_id, created_at);
CREATE INDEX feedback_brand ON feedback (brand, created_at);

-- +goose Down
DROP TABLE feedback;
