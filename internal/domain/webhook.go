package domain

import "time"

// WebhookEvent is the body of a webhook delivery: one change (a version
// published, available, updated, expired or withdrawn) announced to a
// receiver such as a CRM. The store builds it in the transaction of the
// change and keeps its JSON in the outbox; the webhook package signs and
// sends those bytes as they are. Its JSON is an interface receivers parse:
// the fields are in the order of their names, as they have always been on
// the wire.
type WebhookEvent struct {
	// AssetID names the asset whose sequence the event joins ("" for none).
	AssetID string `json:"asset_id"`
	// AssetSequence numbers the events of one asset from 1 in the order
	// they happened (0 without an asset); a gap tells the receiver that an
	// event was given up on.
	AssetSequence int64  `json:"asset_sequence"`
	Brand         string `json:"brand"`
	// Data is the event's own fields, such as "version_id".
	Data       map[string]any `json:"data"`
	Event      string         `json:"event"` // "version.published", ...
	ID         string         `json:"id"`    // unique; also the delivery ID
	OccurredAt time.Time      `json:"occurred_at"`
}

// NewWebhookEvent returns the event id of kind event for brand at time at,
// carrying data. Its asset is data["asset_id"] when that is a string; the
// store sets AssetSequence when it queues the event.
func NewWebhookEvent(id, event, brand string, at time.Time, data map[string]any) WebhookEvent {
	asset, _ := data["asset_id"].(string)
	return WebhookEvent{ID: id, Event: event, Brand: brand, OccurredAt: at, AssetID: asset, Data: data}
}
