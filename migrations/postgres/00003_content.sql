-- +goose Up
-- The content library: brands' versioned label profiles, assets, their
-- immutable versions and the stored objects behind them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE brands ADD COLUMN label_version INTEGER NOT NULL DEFAULT 0;

-- Every change of a label profile is a new row; rows are never changed.
CREATE TABLE brand_labels (
    brand              TEXT        NOT NULL REFERENCES brands (code),
    version            INTEGER     NOT NULL,
    proprietary_name   TEXT        NOT NULL,
    established_name   TEXT        NOT NULL,
    indication         TEXT        NOT NULL,
    isi_statements     TEXT        NOT NULL, -- JSON array of strings
    boxed_warning      BOOLEAN     NOT NULL,
    pi_reference       TEXT        NOT NULL,
    launch_date        TEXT        NOT NULL DEFAULT '',
    max_expiry_months  INTEGER     NOT NULL,
    required_functions TEXT        NOT NULL, -- JSON array of strings
    off_label_terms    TEXT        NOT NULL, -- JSON array of strings
    created_at         TIMESTAMPTZ NOT NULL,
    created_by         TEXT        NOT NULL DEFAULT '',
    PRIMARY KEY (brand, version)
);

-- Stored objects, one per distinct content: identical uploads share a row.
-- An object in the store without a row here is garbage and is collected.
CREATE TABLE blobs (
    key        TEXT        PRIMARY KEY,
    sha256     TEXT        NOT NULL UNIQUE,
    size       BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE assets (
    id                TEXT        PRIMARY KEY,
    job_code          TEXT        NOT NULL,
    job_code_key      TEXT        NOT NULL UNIQUE, -- upper-cased: one asset per material ID
    title             TEXT        NOT NULL,
    brand             TEXT        NOT NULL REFERENCES brands (code),
    audience          TEXT        NOT NULL,
    channel           TEXT        NOT NULL,
    tags              TEXT        NOT NULL DEFAULT '[]', -- JSON array, also in asset_tags
    owner_id          TEXT        NOT NULL REFERENCES users (id),
    latest_version_id TEXT,
    latest_state      TEXT,
    search_text       TEXT        NOT NULL DEFAULT '', -- lower-cased title, job code, tags, text
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX assets_brand_id ON assets (brand, id DESC);
CREATE INDEX assets_latest_state ON assets (latest_state, id DESC);
CREATE INDEX assets_search ON assets USING gin (search_text gin_trgm_ops);

CREATE TABLE asset_tags (
    asset_id TEXT NOT NULL REFERENCES assets (id),
    tag      TEXT NOT NULL,
    PRIMARY KEY (asset_id, tag)
);
CREATE INDEX asset_tags_tag ON asset_tags (tag, asset_id);

CREATE TABLE versions (
    id          TEXT        PRIMARY KEY,
    asset_id    TEXT        NOT NULL REFERENCES assets (id),
    number      INTEGER     NOT NULL,
    state       TEXT        NOT NULL,
    blob_key    TEXT        NOT NULL REFERENCES blobs (key),
    sha256      TEXT        NOT NULL,
    size        BIGINT      NOT NULL,
    media_type  TEXT        NOT NULL,
    filename    TEXT        NOT NULL,
    pages       INTEGER     NOT NULL DEFAULT 0,
    text_status TEXT        NOT NULL,
    text_error  TEXT        NOT NULL DEFAULT '',
    text        TEXT        NOT NULL DEFAULT '',
    text_lines  TEXT        NOT NULL DEFAULT '[]', -- JSON: [{"page","line","text","font_size"}]
    uploaded_by TEXT        NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (asset_id, number)
);
CREATE INDEX versions_blob ON versions (blob_key);

ALTER TABLE assets ADD CONSTRAINT assets_latest_version FOREIGN KEY (latest_version_id) REFERENCES versions (id);

-- A version's content and metadata never change once stored; only its
-- lifecycle state (and later workflow columns) may move. Versions are never
-- deleted.
-- +goose StatementBegin
CREATE FUNCTION versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'versions are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.asset_id IS DISTINCT FROM OLD.asset_id OR NEW.number IS DISTINCT FROM OLD.number
       OR NEW.blob_key IS DISTINCT FROM OLD.blob_key OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR NEW.size IS DISTINCT FROM OLD.size OR NEW.media_type IS DISTINCT FROM OLD.media_type
       OR NEW.filename IS DISTINCT FROM OLD.filename OR NEW.text IS DISTINCT FROM OLD.text
       OR NEW.text_lines IS DISTINCT FROM OLD.text_lines OR NEW.uploaded_by IS DISTINCT FROM OLD.uploaded_by
       OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'a version''s content and metadata are immutable' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER versions_immutable BEFORE UPDATE OR DELETE ON versions
    FOR EACH ROW EXECUTE FUNCTION versions_immutable();

-- +goose StatementBegin
CREATE FUNCTION labels_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'label versions are immutable; add a new version' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER brand_labels_immutable BEFORE UPDATE OR DELETE ON brand_labels
    FOR EACH ROW EXECUTE FUNCTION labels_immutable();

-- +goose Down
DROP TABLE brand_labels;
ALTER TABLE assets DROP CONSTRAINT assets_latest_version;
DROP TABLE versions;
DROP TABLE asset_tags;
DROP TABLE assets;
DROP TABLE blobs;
DROP FUNCTION versions_immutable();
DROP FUNCTION labels_immutable();
ALTER TABLE brands DROP COLUMN label_version;
