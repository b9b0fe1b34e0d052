package domain

import "time"

// Feedback is a rep's field note on a piece.
type Feedback struct {
	ID        string    `json:"id"`
	AssetID   string    `json:"asset_id"`
	JobCode   string    `json:"job_code"`
	VersionID string    `json:"version_id"`
	Brand     string    `json:"brand"`
	UserID    string    `json:"user_id"`
	Author    string    `json:"author"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// FeedbackFilter selects feedback for marketing.
type FeedbackFilter struct {
	AssetID   string
	AllBrands bool
	Brands    []string
	Brand     string
	Kind      string
}

// Change is one entry of the library's sync feed.
type Change struct {
	AssetID   string     `json:"asset_id"`
	VersionID string     `json:"version_id"`
	Change    string     `json:"change"` // added, updated, removed
	Reason    string     `json:"reason,omitempty"`
	At        time.Time  `json:"at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// ChangesPage is one page of the sync feed; pass NextCursor as since.
// HasMore says that the page was cut at its limit and the next one may
// hold more entries.
type ChangesPage struct {
	Changes    []Change `json:"changes"`
	NextCursor string   `json:"next_cursor"`
	HasMore    bool     `json:"has_more"`
}
