package domain

import (
	"encoding/json"
	"testing"
	"time"
)

// TestWebhookEventJSON pins the body receivers parse, byte for byte.
func TestWebhookEventJSON(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ev := NewWebhookEvent("e1", "version.withdrawn", "ZELTRA", at, map[string]any{"asset_id": "a1", "version_id": "v1", "reason": "r"})
	ev.AssetSequence = 3
	got, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"asset_id":"a1","asset_sequence":3,"brand":"ZELTRA","data":{"asset_id":"a1","reason":"r","version_id":"v1"},` +
		`"event":"version.withdrawn","id":"e1","occurred_at":"2026-03-01T12:00:00Z"}`
	if string(got) != want {
		t.Fatalf("JSON:\n got %s\nwant %s", got, want)
	}
	if none := NewWebhookEvent("e2", "x", "B", at, nil); none.AssetID != "" || none.Data != nil {
		t.Fatalf("event without data: %+v", none)
	}
}
