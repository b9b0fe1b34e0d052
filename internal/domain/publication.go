package domain

import (
	"fmt"
	"time"
)

// Publication is what deciding a publication needs: the request and the
// version's facts at now.
type Publication struct {
	Now           time.Time
	AvailableFrom time.Time  // requested; zero or past means now
	ExpiresAt     time.Time  // requested
	State         State      // the version's effective state
	ApprovedAt    *time.Time // the last approval or re-certification
	PublishedAt   *time.Time
	MaxExpiry     int // the brand's maximum period in months
}

// Recertified reports whether p re-publishes a published version that was
// re-certified since its publication: it stays in the library and gets a
// new expiry, measured from the re-certification.
func (p Publication) Recertified() bool {
	return p.State == StatePublished && p.ApprovedAt != nil && p.PublishedAt != nil && p.ApprovedAt.After(*p.PublishedAt)
}

// DecidePublication decides a publication: the availability date it takes
// effect (never before now) or the reason it is refused. The version must
// be approved, or published and re-certified since; the expiry must be in
// the future, after the availability date and no later than the approval
// plus the brand's maximum period. The caller also checks that the newest
// checker report is against the current label (CheckReportCurrent).
func DecidePublication(p Publication) (time.Time, error) {
	if !p.Recertified() {
		if _, err := Transition(p.State, ActionPublish); err != nil {
			return time.Time{}, err
		}
	}
	now := p.Now.UTC()
	from := p.AvailableFrom.UTC()
	if from.IsZero() || from.Before(now) {
		from = now
	}
	exp := p.ExpiresAt.UTC()
	var val Validation
	val.Check(exp.After(now), "expires_at", "Choose an expiry in the future.")
	val.Check(exp.After(from), "expires_at", "The expiry must be after the availability date.")
	if p.ApprovedAt != nil {
		limit := p.ApprovedAt.AddDate(0, p.MaxExpiry, 0)
		val.Check(
			!exp.After(limit),
			"expires_at",
			fmt.Sprintf(
				"The brand allows at most %d months after approval: no later than %s.",
				p.MaxExpiry,
				limit.UTC().Format(time.RFC3339),
			),
		)
	}
	return from, val.Err()
}

// PublishRequest is the input of Publish.
type PublishRequest struct {
	VersionID     string
	ExpiresAt     time.Time
	AvailableFrom time.Time // zero: now
}

// UnackedNotice is a notice a rep has not acknowledged.
type UnackedNotice struct {
	NoticeID  string    `json:"notice_id"`
	UserID    string    `json:"user_id"`
	Rep       string    `json:"rep"`
	Email     string    `json:"email"`
	AssetID   string    `json:"asset_id"`
	JobCode   string    `json:"job_code"`
	Brand     string    `json:"brand"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}
