-- +goose Up
-- Webhook events of one asset are delivered in the order they happened: each
-- carries the asset's next sequence number, and an event waits while an
-- earlier one of its asset is undelivered. The counter row per asset is
-- taken with an upsert, whose row lock orders the transactions that emit.
CREATE TABLE webhook_asset_seq (
    asset_id TEXT   PRIMARY KEY,
    seq      BIGINT NOT NULL
);
ALTER TABLE webhook_outbox ADD COLUMN asset_id TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_outbox ADD COLUMN asset_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX webhook_outbox_pending_asset ON webhook_outbox (asset_id, asset_seq)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;

-- +goose Down
DROP INDEX webhook_outbox_pending_asset;
ALTER TABLE webhook_outbox DROP COLUMN asset_seq;
ALTER TABLE webhook_outbox DROP COLUMN asset_id;
DROP TABLE webhook_asset_seq;
