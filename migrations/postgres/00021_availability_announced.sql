-- +goose Up
-- A piece published with a later availability date enters the reps'
-- library when that date passes. available_announced_at records when the
-- library announced it (sync feed "added", webhook version.available), so
-- that it is announced exactly once. Pieces available at publication are
-- announced by their publication; retired ones need no announcement.
ALTER TABLE versions ADD COLUMN available_announced_at TIMESTAMPTZ;
UPDATE versions SET available_announced_at = available_from
WHERE published_at IS NOT NULL AND (available_from <= published_at OR state <> 'published');
CREATE INDEX versions_unannounced ON versions (available_from) WHERE state = 'published' AND available_announced_at IS NULL;

-- +goose Down
DROP INDEX versions_unannounced;
ALTER TABLE versions DROP COLUMN available_announced_at;
