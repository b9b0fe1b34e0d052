-- +goose Up
-- An asset's state is its latest version's state, read at query time, so
-- that expiring versions does not rewrite their assets. published_version_id
-- names the version an asset last published; readers check its state.
DROP INDEX assets_latest_state;
ALTER TABLE assets DROP COLUMN latest_state;

-- Only published versions are ever looked up by expiry. A partial index
-- stays as small as the live library however long the history grows, and
-- a version leaving publication leaves it instead of adding an entry.
DROP INDEX versions_due;
CREATE INDEX versions_due ON versions (expires_at) WHERE state = 'published';

-- Nothing looks versions up by object key (blobs rows are never deleted), so
-- the index only cost every version update an entry.
DROP INDEX versions_blob;

-- +goose Down
CREATE INDEX versions_blob ON versions (blob_key);
DROP INDEX versions_due;
CREATE INDEX versions_due ON versions (state, expires_at);
ALTER TABLE assets ADD COLUMN latest_state TEXT;
UPDATE assets SET latest_state = (SELECT state FROM versions WHERE versions.id = assets.latest_version_id);
CREATE INDEX assets_latest_state ON assets (latest_state, id DESC);
