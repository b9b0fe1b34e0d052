-- +goose Up
-- How many days a published piece that fails a newer label stays in use,
-- flagged for re-review, before its expiry; 0 keeps it until its own expiry.
ALTER TABLE brand_labels ADD COLUMN rereview_grace_days INTEGER NOT NULL DEFAULT 30;

-- +goose Down
ALTER TABLE brand_labels DROP COLUMN rereview_grace_days;
