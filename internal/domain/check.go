package domain

import "time"

// Finding severities. An unwaived error blocks approval; a warning informs
// the reviewers.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// TextLine is one line of a piece's extracted text and where it is.
type TextLine struct {
	// Page is 1-based: the PDF page, the PPTX slide number, and for DOCX the
	// page counted from explicit and last-rendered page breaks. HTML and
	// plain text have a single page.
	Page int `json:"page"`
	// Line is 1-based within the page. For plain text it is the line number
	// in the file (blank lines are counted but not returned); elsewhere it
	// counts the returned lines of the page.
	Line int    `json:"line"`
	Text string `json:"text"`
	// FontSize is the type size in points of most of the line's characters:
	// for PDF the Tf size scaled by the text and transformation matrices,
	// for DOCX w:sz (from the run, its styles or the document defaults), for
	// PPTX a:rPr sz. It is 0 when unknown (HTML, plain text, PPTX text that
	// inherits its size from a layout or master).
	FontSize float64 `json:"font_size,omitempty"`
}

// Claim is an approved claim of a brand's claims library: the wording a
// piece may use, with its substantiating references and allowed variants.
type Claim struct {
	ID         string    `json:"id"`
	Brand      string    `json:"brand"`
	Text       string    `json:"text"`
	Category   string    `json:"category"`
	References []string  `json:"references"`
	Variants   []string  `json:"variants"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by,omitempty"`
}

// ClaimCategories are the kinds of claims.
var ClaimCategories = []string{"efficacy", "safety", "dosing", "comparative", "quality_of_life", "economic", "other"}

// Finding is one problem the fair-balance checker found in a piece.
type Finding struct {
	ID       string  `json:"id,omitempty"` // set once stored
	RuleID   string  `json:"rule_id"`
	Severity string  `json:"severity"`
	Message  string  `json:"message"`
	Excerpt  string  `json:"excerpt"`
	Page     int     `json:"page"` // 0 when the finding concerns the whole piece
	Line     int     `json:"line"`
	Waiver   *Waiver `json:"waiver,omitempty"`
}

// Waiver is a regulatory reviewer's signed decision that a finding does not
// apply, with the justification.
type Waiver struct {
	Justification string    `json:"justification"`
	SignedBy      string    `json:"signed_by"`
	SignerName    string    `json:"signer_name"`
	Meaning       string    `json:"meaning"`
	SignedAt      time.Time `json:"signed_at"`
}

// CheckReport is the checker's reading of one version against one
// label version and one rules version.
type CheckReport struct {
	ID           string    `json:"id"`
	VersionID    string    `json:"version_id"`
	Brand        string    `json:"brand"`
	LabelVersion int       `json:"label_version"`
	RulesVersion string    `json:"rules_version"`
	Passed       bool      `json:"passed"` // no unwaived error finding
	Findings     []Finding `json:"findings"`
	CheckedAt    time.Time `json:"checked_at"`
	CheckedBy    string    `json:"checked_by,omitempty"`
}

// Blocking reports whether any error finding is not waived.
func (r CheckReport) Blocking() bool {
	for _, f := range r.Findings {
		if f.Severity == SeverityError && f.Waiver == nil {
			return true
		}
	}
	return false
}

// CheckInput gathers what the checker needs about a version: its text, its
// brand's current and earlier labels and the claims library.
type CheckInput struct {
	Version  Version
	Channel  Channel
	Audience Audience
	Text     []byte // JSON lines
	Label    Label
	Previous []Label
	Claims   []Claim
}
