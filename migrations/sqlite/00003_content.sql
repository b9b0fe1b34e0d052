-- +goose Up
-- The content library: brands' versioned label profiles, assets, their
-- immutable versions and the stored objects behind them.
ALTER TABLE brands ADD COLUMN label_version INTEGER NOT NULL DEFAULT 0;

-- Every change of a label profile is a new row; rows are never changed.
CREATE TABLE brand_labels (
    brand              TEXT     NOT NULL REFERENCES brands (code),
    version            INTEGER  NOT NULL,
    proprietary_name   TEXT     NOT NULL,
    established_name   TEXT     NOT NULL,
    indication         TEXT     NOT NULL,
    isi_statements     TEXT     NOT NULL,
    boxed_warning      BOOLEAN  NOT NULL,
    pi_reference       TEXT     NOT NULL,
    launch_date        TEXT     NOT NULL DEFAULT '',
    max_expiry_months  INTEGER  NOT NULL,
    required_functions TEXT     NOT NULL,
    off_label_terms    TEXT     NOT NULL,
    created_at         DATETIME NOT NULL,
    created_by         TEXT     NOT NULL DEFAULT '',
    PRIMARY KEY (brand, version)
);

-- Stored objects, one per distinct content: identical uploads share a row.
CREATE TABLE blobs (
    key        TEXT     PRIMARY KEY,
    sha256     TEXT     NOT NULL UNIQUE,
    size       INTEGER  NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE assets (
    id                TEXT     PRIMARY KEY,
    job_code          TEXT     NOT NULL,
    job_code_key      TEXT     NOT NULL UNIQUE,
    title             TEXT     NOT NULL,
    brand             TEXT     NOT NULL REFERENCES brands (code),
    audience          TEXT     NOT NULL,
    channel           TEXT     NOT NULL,
    tags              TEXT     NOT NULL DEFAULT '[]',
    owner_id          TEXT     NOT NULL REFERENCES users (id),
    latest_version_id TEXT     REFERENCES versions (id),
    latest_state      TEXT,
    search_text       TEXT     NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
CREATE INDEX assets_brand_id ON assets (brand, id DESC);
CREATE INDEX assets_latest_state ON assets (latest_state, id DESC);

CREATE TABLE asset_tags (
    asset_id TEXT NOT NULL REFERENCES assets (id),
    tag      TEXT NOT NULL,
    PRIMARY KEY (asset_id, tag)
);
CREATE INDEX asset_tags_tag ON asset_tags (tag, asset_id);

CREATE TABLE versions (
    id          TEXT     PRIMARY KEY,
    asset_id    TEXT     NOT NULL REFERENCES assets (id),
    number      INTEGER  NOT NULL,
    state       TEXT     NOT NULL,
    blob_key    TEXT     NOT NULL REFERENCES blobs (key),
    sha256      TEXT     NOT NULL,
    size        INTEGER  NOT NULL,
    media_type  TEXT     NOT NULL,
    filename    TEXT     NOT NULL,
    pages       INTEGER  NOT NULL DEFAULT 0,
    text_status TEXT     NOT NULL,
    text_error  TEXT     NOT NULL DEFAULT '',
    text        TEXT     NOT NULL DEFAULT '',
    text_lines  TEXT     NOT NULL DEFAULT '[]',
    uploaded_by TEXT     NOT NULL REFERENCES users (id),
    created_at  DATETIME NOT NULL,
    UNIQUE (asset_id, number)
);
CREATE INDEX versions_blob ON versions (blob_key);

-- +goose StatementBegin
CREATE TRIGGER versions_immutable BEFORE UPDATE OF asset_id, number, blob_key, sha256, size, media_type, filename, text, text_lines, uploaded_by, created_at ON versions
BEGIN
    SELECT RAISE(ABORT, 'a version''s content and metadata are immutable');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
BEGIN
    SELECT RAISE(ABORT, 'versions are never deleted');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER brand_labels_no_update BEFORE UPDATE ON brand_labels
BEGIN
    SELECT RAISE(ABORT, 'label versions are immutable; add a new version');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER brand_labels_no_delete BEFORE DELETE ON brand_labels
BEGIN
    SELECT RAISE(ABORT, 'label versions are immutable; add a new version');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER brand_labels_no_delete;
DROP TRIGGER brand_labels_no_update;
DROP TRIGGER versions_no_delete;
DROP TRIGGER versions_immutable;
DROP TABLE versions;
DROP TABLE asset_tags;
DROP TABLE assets;
DROP TABLE blobs;
DROP TABLE brand_labels;
