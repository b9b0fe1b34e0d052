-- +goose Up
-- The brand's review SLA: how many days MLR reviewers have for a piece.
ALTER TABLE brand_labels ADD COLUMN review_sla_days INTEGER NOT NULL DEFAULT 5;

-- +goose Down
ALTER TABLE brand_labels DROP COLUMN review_sla_days;
