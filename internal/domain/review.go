package domain

import "time"

// ReviewTask is one function's review of a version in a round.
type ReviewTask struct {
	ID          string           `json:"id"`
	RoundID     string           `json:"round_id"`
	VersionID   string           `json:"version_id"`
	Brand       string           `json:"brand"`
	Function    string           `json:"function"`
	Status      string           `json:"status"`
	DecidedBy   string           `json:"decided_by,omitempty"`
	DecidedAt   *time.Time       `json:"decided_at,omitempty"`
	Comment     string           `json:"comment"`
	Signature   *SignatureRecord `json:"signature,omitempty"`
	SubmittedAt time.Time        `json:"submitted_at"`
	DueAt       time.Time        `json:"due_at"`
	AssetID     string           `json:"asset_id"`
	JobCode     string           `json:"job_code"`
	Title       string           `json:"title"`
	Number      int              `json:"version_number"`
}

// SignatureRecord is a stored electronic signature as shown on approval
// records: the manifestation of 21 CFR 11.50.
type SignatureRecord struct {
	ID            string    `json:"id"`
	UserID        string    `json:"user_id"`
	PrintedName   string    `json:"printed_name"`
	Function      string    `json:"function"`
	Meaning       string    `json:"meaning"`
	Decision      string    `json:"decision"`
	ContentSHA256 string    `json:"content_sha256"`
	SignedAt      time.Time `json:"signed_at"`
}

// ReviewRound is one submission of a version with its tasks.
type ReviewRound struct {
	ID          string       `json:"id"`
	Number      int          `json:"number"`
	Kind        string       `json:"kind"`
	Status      string       `json:"status"`
	ReportID    string       `json:"report_id,omitempty"`
	SubmittedBy string       `json:"submitted_by"`
	SubmittedAt time.Time    `json:"submitted_at"`
	DueAt       time.Time    `json:"due_at"`
	ClosedAt    *time.Time   `json:"closed_at,omitempty"`
	Tasks       []ReviewTask `json:"tasks"`
}

// Reviewer is a user who may be asked to review, for notifications.
type Reviewer struct {
	UserID   string
	Function string
}

// Decision is a reviewer's decision about to be recorded.
type Decision struct {
	VersionID string
	Function  string
	Decision  string
	Comment   string
	Signature *NewSignature // required for approve and reject
}

// DecisionResult is the outcome of a decision: the task and the version's
// state afterwards.
type DecisionResult struct {
	Task         ReviewTask `json:"task"`
	VersionState State      `json:"version_state"`
}

// TaskScope says for which brands a user may review a function.
type TaskScope struct {
	Function string
	All      bool
	Brands   []string
}

// Notification is an in-app message to a user.
type Notification struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Link      string     `json:"link"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}
