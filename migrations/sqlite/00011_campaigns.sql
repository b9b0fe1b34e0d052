-- +goose Up
-- Campaigns: a brand's bundle of assets for an audience and a period.
CREATE TABLE campaigns (
    id           TEXT        PRIMARY KEY,
    brand        TEXT        NOT NULL REFERENCES brands (code),
    name         TEXT        NOT NULL,
    audience     TEXT        NOT NULL,
    starts_at    DATETIME NOT NULL,
    ends_at      DATETIME NOT NULL,
    state        TEXT        NOT NULL, -- draft, live
    at_risk      BOOLEAN     NOT NULL DEFAULT 0,
    risk_reason  TEXT        NOT NULL DEFAULT '',
    owner_id     TEXT        NOT NULL REFERENCES users (id),
    created_at   DATETIME NOT NULL,
    published_at DATETIME
);
CREATE INDEX campaigns_brand ON campaigns (brand, state);

CREATE TABLE campaign_assets (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    asset_id    TEXT NOT NULL REFERENCES assets (id),
    PRIMARY KEY (campaign_id, asset_id)
);
CREATE INDEX campaign_assets_asset ON campaign_assets (asset_id);

-- +goose Down
DROP TABLE campaign_assets;
DROP TABLE campaigns;
