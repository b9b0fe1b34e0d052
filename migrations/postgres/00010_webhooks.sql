-- +goose Up
-- Outbox of webhook events: written in the same transaction as the change
-- they announce, delivered and retried by a background job.
CREATE TABLE webhook_outbox (
    id              TEXT        PRIMARY KEY,
    event           TEXT        NOT NULL, -- version.published, version.expired, version.withdrawn
    brand           TEXT        NOT NULL,
    payload         TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ,
    gave_up_at      TIMESTAMPTZ,
    last_error      TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (delivered_at, gave_up_at, next_attempt_at);

-- +goose Down
DROP TABLE webhook_outbox;
