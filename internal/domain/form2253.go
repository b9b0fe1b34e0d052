package domain

import "time"

// DisseminationDate is the "date of initial dissemination" on FDA Form
// 2253: the first day reps could use the piece. A piece published under
// embargo is disseminated when it becomes available, not when it was
// published, so availableFrom wins when it is later than publishedAt. It
// returns "" for a piece never published.
func DisseminationDate(publishedAt, availableFrom *time.Time) string {
	if publishedAt == nil {
		return ""
	}
	first := *publishedAt
	if availableFrom != nil && availableFrom.After(first) {
		first = *availableFrom
	}
	return first.UTC().Format(time.DateOnly)
}

// Form2253 holds the fields of FDA Form 2253 for one published piece.
type Form2253 struct {
	VersionID           string     `json:"version_id"`
	AssetID             string     `json:"asset_id"`
	Brand               string     `json:"brand"`
	ApplicationType     string     `json:"application_type"`
	ApplicationNumber   string     `json:"application_number"`
	ProprietaryName     string     `json:"proprietary_name"`
	EstablishedName     string     `json:"established_name"`
	PIDate              string     `json:"pi_date"`  // date of the label version the piece was checked against
	Audience            string     `json:"audience"` // professional or consumer
	MaterialType        string     `json:"material_type"`
	DisseminationDate   string     `json:"dissemination_date"` // first day of availability (DisseminationDate)
	MaterialID          string     `json:"material_id"`        // the job code
	Title               string     `json:"title"`
	SubmittedAt         *time.Time `json:"submitted_at,omitempty"`
	SubmittedBy         string     `json:"submitted_by,omitempty"`
	SubmissionReference string     `json:"submission_reference,omitempty"`
}
