-- +goose Up
-- Reps search only the text of the version they can see: the published
-- search text is the job code, title, tags and text of the asset's
-- published version, written when a version is published. search_text
-- keeps the latest upload's text for the marketers' asset search.
ALTER TABLE assets ADD COLUMN published_search_text TEXT NOT NULL DEFAULT '';
UPDATE assets SET published_search_text = lower(assets.job_code || char(10) || assets.title || char(10) || assets.tags || char(10) ||
    COALESCE((SELECT substr(v.text, 1, 100000) FROM versions v WHERE v.id = assets.published_version_id), ''))
WHERE published_version_id IS NOT NULL;

-- +goose Down
ALTER TABLE assets DROP COLUMN published_search_text;
