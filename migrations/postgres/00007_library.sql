-- +goose Up
-- Publication, expiry and withdrawal; what reps fetched; the notices they
-- must acknowledge; and leases so that each background job runs once.
ALTER TABLE versions ADD COLUMN published_at TIMESTAMPTZ;
ALTER TABLE versions ADD COLUMN available_from TIMESTAMPTZ;
ALTER TABLE versions ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE versions ADD COLUMN retired_at TIMESTAMPTZ;          -- expired, withdrawn or superseded
ALTER TABLE versions ADD COLUMN retire_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX versions_due ON versions (state, expires_at);

-- The current version of each asset as reps see it, kept in the same
-- transaction as every state change; the rep library reads only this.
ALTER TABLE assets ADD COLUMN published_version_id TEXT REFERENCES versions (id);
CREATE INDEX assets_published ON assets (brand, published_version_id, id DESC);

CREATE TABLE usage_events (
    id         TEXT        PRIMARY KEY,
    version_id TEXT        NOT NULL REFERENCES versions (id),
    asset_id   TEXT        NOT NULL REFERENCES assets (id),
    brand      TEXT        NOT NULL,
    user_id    TEXT        NOT NULL REFERENCES users (id),
    kind       TEXT        NOT NULL, -- download
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX usage_events_version_user ON usage_events (version_id, user_id);
CREATE INDEX usage_events_asset ON usage_events (asset_id, created_at);

CREATE TABLE notices (
    id         TEXT        PRIMARY KEY,
    user_id    TEXT        NOT NULL REFERENCES users (id),
    version_id TEXT        NOT NULL REFERENCES versions (id),
    asset_id   TEXT        NOT NULL REFERENCES assets (id),
    brand      TEXT        NOT NULL,
    reason     TEXT        NOT NULL, -- expired or withdrawn
    message    TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    acked_at   TIMESTAMPTZ,
    UNIQUE (user_id, version_id)
);
CREATE INDEX notices_open ON notices (acked_at, created_at);

CREATE TABLE job_leases (
    name        TEXT        PRIMARY KEY,
    holder      TEXT        NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE job_leases;
DROP TABLE notices;
DROP TABLE usage_events;
ALTER TABLE assets DROP COLUMN published_version_id;
DROP INDEX versions_due;
ALTER TABLE versions DROP COLUMN retire_reason;
ALTER TABLE versions DROP COLUMN retired_at;
ALTER TABLE versions DROP COLUMN expires_at;
ALTER TABLE versions DROP COLUMN available_from;
ALTER TABLE versions DROP COLUMN published_at;
