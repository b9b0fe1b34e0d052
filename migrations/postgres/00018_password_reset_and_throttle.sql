-- +goose Up
-- A password set by someone else (an administrator's reset) must be changed
-- by its owner before they may do anything else, sign included.
ALTER TABLE users ADD COLUMN password_must_change BOOLEAN NOT NULL DEFAULT FALSE;

-- Throttled sign-in and signature attempts are counted here, one row per
-- key (account or address) and fixed window, instead of one audit event
-- each: the audit trail records the count at 1, 10, 100, ... attempts.
CREATE TABLE auth_throttle_counts (
    key          TEXT        NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    attempts     BIGINT      NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- +goose Down
DROP TABLE auth_throttle_counts;
ALTER TABLE users DROP COLUMN password_must_change;
