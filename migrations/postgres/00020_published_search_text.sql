-- +goose Up
-- Reps search only the text of the version they can see: the published
-- search text is the job code, title, tags and text of the asset's
-- published version, written when a version is published. search_text
-- keeps the latest upload's text for the marketers' asset search.
ALTER TABLE assets ADD COLUMN published_search_text TEXT NOT NULL DEFAULT '';
UPDATE assets SET published_search_text = lower(assets.job_code || E'\n' || assets.title || E'\n' || assets.tags || E'\n' || left(COALESCE(v.text, ''), 100000))
FROM versions v WHERE v.id = assets.published_version_id;
CREATE INDEX assets_published_search ON assets USING gin (published_search_text gin_trgm_ops);

-- +goose Down
DROP INDEX assets_published_search;
ALTER TABLE assets DROP COLUMN published_search_text;
