package domain

import (
	"slices"
	"time"
)

// BrandScope limits analytics to the brands a caller may see.
type BrandScope struct {
	All    bool
	Brands []string
}

// UsageRow counts downloads by reps.
type UsageRow struct {
	Key       string `json:"key" gorm:"column:item_key"`     // asset ID, user ID or brand code
	Label     string `json:"label" gorm:"column:item_label"` // job code, rep name or brand code
	Downloads int64  `json:"downloads"`
	Reps      int64  `json:"reps"`
}

// UnusedRow is current material nobody fetched.
type UnusedRow struct {
	AssetID     string    `json:"asset_id"`
	JobCode     string    `json:"job_code"`
	Title       string    `json:"title"`
	Brand       string    `json:"brand"`
	PublishedAt time.Time `json:"published_at"`
}

// CountRow is a labelled count.
type CountRow struct {
	Key   string `json:"key" gorm:"column:item_key"`
	Label string `json:"label" gorm:"column:item_label"`
	Count int64  `json:"count" gorm:"column:item_count"`
}

// ReviewStats summarises MLR review since from.
type ReviewStats struct {
	Rounds            int64   `json:"rounds"`
	Approved          int64   `json:"approved"`
	MedianHours       float64 `json:"median_hours"` // submit to approval
	P90Hours          float64 `json:"p90_hours"`
	FirstPassRate     float64 `json:"first_pass_rate"` // versions approved in their first round / versions decided
	VersionsDecided   int64   `json:"versions_decided"`
	FirstPassApproved int64   `json:"first_pass_approved"`
}

// Has reports whether brand is in the scope.
func (b BrandScope) Has(brand string) bool { return b.All || slices.Contains(b.Brands, brand) }
