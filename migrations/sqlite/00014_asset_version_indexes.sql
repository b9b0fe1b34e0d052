-- +goose Up
-- Expiry and withdrawal find assets by their current versions.
CREATE INDEX assets_published_version ON assets (published_version_id);
CREATE INDEX assets_latest_version ON assets (latest_version_id);

-- +goose Down
DROP INDEX assets_latest_version;
DROP INDEX assets_published_version;
