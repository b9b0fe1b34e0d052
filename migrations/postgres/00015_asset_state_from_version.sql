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

-- The immutability check on versions runs only when an UPDATE names a
-- content column and changes it, so that lifecycle changes (an expiry sweep
-- moves many versions at once) neither call the check function nor read
-- the extracted text. DELETE is refused as before.
DROP TRIGGER versions_immutable ON versions;
CREATE TRIGGER versions_immutable BEFORE UPDATE OF asset_id, number, blob_key, sha256, size, media_type, filename, text, text_lines, uploaded_by, created_at
    ON versions FOR EACH ROW
    WHEN (NEW.asset_id IS DISTINCT FROM OLD.asset_id OR NEW.number IS DISTINCT FROM OLD.number
       OR NEW.blob_key IS DISTINCT FROM OLD.blob_key OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR NEW.size IS DISTINCT FROM OLD.size OR NEW.media_type IS DISTINCT FROM OLD.media_type
       OR NEW.filename IS DISTINCT FROM OLD.filename OR NEW.text IS DISTINCT FROM OLD.text
       OR NEW.text_lines IS DISTINCT FROM OLD.text_lines OR NEW.uploaded_by IS DISTINCT FROM OLD.uploaded_by
       OR NEW.created_at IS DISTINCT FROM OLD.created_at)
    EXECUTE FUNCTION versions_immutable();
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
    FOR EACH ROW EXECUTE FUNCTION versions_immutable();

-- +goose Down
CREATE INDEX versions_blob ON versions (blob_key);
DROP INDEX versions_due;
CREATE INDEX versions_due ON versions (state, expires_at);
DROP TRIGGER versions_no_delete ON versions;
DROP TRIGGER versions_immutable ON versions;
CREATE TRIGGER versions_immutable BEFORE UPDATE OR DELETE ON versions
    FOR EACH ROW EXECUTE FUNCTION versions_immutable();
ALTER TABLE assets ADD COLUMN latest_state TEXT;
UPDATE assets SET latest_state = (SELECT state FROM versions WHERE versions.id = assets.latest_version_id);
CREATE INDEX assets_latest_state ON assets (latest_state, id DESC);
