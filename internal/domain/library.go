package domain

import "time"

// LibraryItem is what a rep sees of a current piece.
type LibraryItem struct {
	AssetID   string    `json:"asset_id"`
	JobCode   string    `json:"job_code"`
	Title     string    `json:"title"`
	Brand     string    `json:"brand"`
	Audience  Audience  `json:"audience"`
	Channel   Channel   `json:"channel"`
	Tags      []string  `json:"tags"`
	VersionID string    `json:"version_id"`
	Number    int       `json:"version_number"`
	MediaType string    `json:"media_type"`
	Filename  string    `json:"filename"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	ExpiresAt time.Time `json:"expires_at"`
	// RereviewRequired says that the piece was checked against an earlier
	// label and is being re-reviewed: use it only as its owner directs.
	RereviewRequired bool `json:"rereview_required"`
}

// LibraryFilter selects the rep library.
type LibraryFilter struct {
	AllBrands bool
	Brands    []string
	Brand     string
	Audience  Audience
	Channel   Channel
	Query     string
	Cursor    string
	Limit     int
}

// LibraryPage is one page of the rep library.
type LibraryPage struct {
	Items      []LibraryItem `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

// Retired explains why an asset has no current piece for a rep.
type Retired struct {
	Reason    string // expired, withdrawn
	Message   string
	VersionID string
}

// Notice is a message to a rep that a piece they fetched expired or was
// withdrawn (Reason expired, withdrawn), or that a newer version replaced
// it (Reason superseded), which they must acknowledge.
type Notice struct {
	ID        string     `json:"id"`
	VersionID string     `json:"version_id"`
	AssetID   string     `json:"asset_id"`
	JobCode   string     `json:"job_code"`
	Title     string     `json:"title"`
	Reason    string     `json:"reason"`
	Message   string     `json:"message"`
	CreatedAt time.Time  `json:"created_at"`
	AckedAt   *time.Time `json:"acked_at,omitempty"`
}
