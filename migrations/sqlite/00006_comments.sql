-- +goose Up
-- Review comments on a version, optionally anchored to a page. Comments
-- are kept with the asset, so the thread stays visible on later versions.
CREATE TABLE comments (
    id         TEXT        PRIMARY KEY,
    version_id TEXT        NOT NULL REFERENCES versions (id),
    asset_id   TEXT        NOT NULL REFERENCES assets (id),
    author_id  TEXT        NOT NULL REFERENCES users (id),
    page       INTEGER     NOT NULL DEFAULT 0,
    body       TEXT        NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX comments_asset ON comments (asset_id, created_at);

-- +goose Down
DROP TABLE comments;
