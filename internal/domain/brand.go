package domain

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Label is a version of a brand's label profile: what the approved
// prescribing information says, which the fair-balance checker compares
// every piece against. A change is a new Label with the next Version; old
// versions stay, so every compliance report names the label it used.
type Label struct {
	Version           int      `json:"version"`
	ProprietaryName   string   `json:"proprietary_name"`
	EstablishedName   string   `json:"established_name"`
	Indication        string   `json:"indication"`
	ISIStatements     []string `json:"isi_statements"`
	BoxedWarning      bool     `json:"boxed_warning"`
	PIReference       string   `json:"pi_reference"`
	LaunchDate        string   `json:"launch_date,omitempty"` // YYYY-MM-DD
	MaxExpiryMonths   int      `json:"max_expiry_months"`
	RequiredFunctions []string `json:"required_functions"`
	OffLabelTerms     []string `json:"off_label_terms"`
	ReviewSLADays     int      `json:"review_sla_days"` // days MLR reviewers have for a submitted piece
	// RereviewGraceDays is how many days a published piece that fails a
	// newer label stays in use, flagged, before its expiry: absent or null
	// means DefaultRereviewGraceDays; 0 keeps it until its own expiry.
	RereviewGraceDays *int      `json:"rereview_grace_days"`
	CreatedAt         time.Time `json:"created_at"`
	CreatedBy         string    `json:"created_by,omitempty"`
}

// Brand is a product and its current label profile.
type Brand struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Label     Label     `json:"label"`
	CreatedAt time.Time `json:"created_at"`
}

// DefaultMaxExpiryMonths is how long published material may stay current
// when the brand sets no shorter period.
const DefaultMaxExpiryMonths = 12

// DefaultReviewSLADays is how many days reviewers have when the brand sets
// no other period.
const DefaultReviewSLADays = 5

// DefaultRereviewGraceDays is the re-review grace of a label that sets none.
const DefaultRereviewGraceDays = 30

// GraceDays is the label's re-review grace in days (see RereviewGraceDays).
func (l Label) GraceDays() int {
	if l.RereviewGraceDays == nil {
		return DefaultRereviewGraceDays
	}
	return *l.RereviewGraceDays
}

// ReviewFunctions lists the MLR review functions in sign-off order.
var ReviewFunctions = []string{FunctionMedical, FunctionLegal, FunctionRegulatory}

// Normalize fills defaults and trims text, so that what is stored is what
// was meant.
func (l *Label) Normalize() {
	l.ProprietaryName = strings.TrimSpace(l.ProprietaryName)
	l.EstablishedName = strings.TrimSpace(l.EstablishedName)
	l.Indication = strings.TrimSpace(l.Indication)
	l.PIReference = strings.TrimSpace(l.PIReference)
	l.LaunchDate = strings.TrimSpace(l.LaunchDate)
	l.ISIStatements = trimAll(l.ISIStatements)
	l.OffLabelTerms = trimAll(l.OffLabelTerms)
	l.RequiredFunctions = trimAll(l.RequiredFunctions)
	if l.MaxExpiryMonths == 0 {
		l.MaxExpiryMonths = DefaultMaxExpiryMonths
	}
	if l.ReviewSLADays == 0 {
		l.ReviewSLADays = DefaultReviewSLADays
	}
	if len(l.RequiredFunctions) == 0 {
		l.RequiredFunctions = slices.Clone(ReviewFunctions)
	}
	if l.RereviewGraceDays == nil {
		days := DefaultRereviewGraceDays
		l.RereviewGraceDays = &days
	}
}

// Validate checks a normalized label, collecting every field's problem.
// Field names carry the "label." prefix used by the API.
func (l Label) Validate() error {
	var v Validation
	l.validate(&v, "label.")
	return v.Err()
}

func (l Label) validate(v *Validation, prefix string) {
	v.Check(
		l.ProprietaryName != "" && len(l.ProprietaryName) <= 100,
		prefix+"proprietary_name",
		"Enter the proprietary (brand) name, e.g. ZELTRA.",
	)
	v.Check(
		l.EstablishedName != "" && len(l.EstablishedName) <= 200,
		prefix+"established_name",
		"Enter the established (generic) name, e.g. zeltaparin.",
	)
	v.Check(l.Indication != "" && len(l.Indication) <= 4000, prefix+"indication", "Enter the approved indication (up to 4000 characters).")
	v.Check(
		len(l.ISIStatements) > 0 && len(l.ISIStatements) <= 50 && allShorter(l.ISIStatements, 4000),
		prefix+"isi_statements",
		"Enter at least one Important Safety Information statement (up to 50).",
	)
	v.Check(
		l.PIReference != "" && len(l.PIReference) <= 300,
		prefix+"pi_reference",
		"Enter the phrase that refers to the full Prescribing Information.",
	)
	if l.LaunchDate != "" {
		_, err := time.Parse(time.DateOnly, l.LaunchDate)
		v.Check(err == nil, prefix+"launch_date", "Use the form YYYY-MM-DD.")
	}
	v.Check(l.MaxExpiryMonths >= 1 && l.MaxExpiryMonths <= 36, prefix+"max_expiry_months", "Use 1 to 36 months.")
	v.Check(l.ReviewSLADays >= 1 && l.ReviewSLADays <= 90, prefix+"review_sla_days", "Use 1 to 90 days.")
	v.Check(
		l.GraceDays() >= 0 && l.GraceDays() <= 365,
		prefix+"rereview_grace_days",
		"Use 0 to 365 days (0 keeps a flagged piece until its own expiry).",
	)
	okFunctions := len(l.RequiredFunctions) > 0
	for i, f := range l.RequiredFunctions {
		if _, ok := ReviewerRole(f); !ok || slices.Contains(l.RequiredFunctions[:i], f) {
			okFunctions = false
		}
	}
	v.Check(okFunctions, prefix+"required_functions", "Choose from medical, legal and regulatory, each at most once.")
	v.Check(
		len(l.OffLabelTerms) <= 200 && allShorter(l.OffLabelTerms, 200),
		prefix+"off_label_terms",
		"Use at most 200 terms of up to 200 characters.",
	)
}

// NewBrand is the input for creating a brand with its first label.
type NewBrand struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Label Label  `json:"label"`
}

// Validate normalizes and checks the brand and its label.
func (b *NewBrand) Validate() error {
	b.Code = strings.TrimSpace(b.Code)
	b.Name = strings.TrimSpace(b.Name)
	b.Label.Normalize()
	var v Validation
	v.Check(ValidBrandCode(b.Code), "code", "Use 2-32 capital letters, digits, - or _, e.g. ZELTRA.")
	v.Check(b.Name != "" && utf8.RuneCountInString(b.Name) <= 200, "name", "Enter the brand's name.")
	b.Label.validate(&v, "label.")
	return v.Err()
}

func trimAll(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func allShorter(in []string, n int) bool {
	for _, s := range in {
		if len(s) > n {
			return false
		}
	}
	return true
}
