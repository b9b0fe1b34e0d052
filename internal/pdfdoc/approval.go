package pdfdoc

import (
	"fmt"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// ApprovalRecord is what the approval record of one version shows.
type ApprovalRecord struct {
	Asset   domain.Asset
	Version domain.Version
	Rounds  []ReviewRound
	Printed string // when the record was printed, as shown
	// Threads are the comment threads on the version with their replies
	// and resolution.
	Threads []domain.Annotation
}

// ReviewRound is one submission of the version for review.
type ReviewRound struct {
	Number int
	Kind   string
	Status string
	Tasks  []ReviewTask
	// Report is the checker report the round was made against; nil when
	// the round has none.
	Report *domain.CheckReport
}

// ReviewTask is one function's review in a round.
type ReviewTask struct {
	Function  string
	Status    string
	Comment   string
	Signature *Signature // nil while the task is not signed
}

// Signature is an electronic signature as 21 CFR 11.50 requires it to be
// shown: printed name, time and meaning.
type Signature struct {
	PrintedName   string
	SignedAt      time.Time
	Meaning       string
	Decision      string
	ContentSHA256 string
}

// RenderApprovalRecord lays out the approval record as an A4 PDF: the piece,
// its content hash and, per review round, every signature with printed name,
// meaning and time, then the checker report the round was made against.
func RenderApprovalRecord(rec ApprovalRecord) ([]byte, error) {
	p := newDoc("A4", "Approval record "+rec.Asset.JobCode)
	p.SetAutoPageBreak(true, 15)
	p.SetFont(family, "B", 16)
	p.CellFormat(0, 10, "Approval record", "", 1, "L", false, 0, "")
	line := func(label, value string) {
		p.SetFont(family, "B", 10)
		p.CellFormat(45, 6, label, "", 0, "L", false, 0, "")
		p.SetFont(family, "", 10)
		p.MultiCell(0, 6, value, "", "L", false)
	}
	line("Asset", fmt.Sprintf("%s (%s)", rec.Asset.Title, rec.Asset.JobCode))
	line("Brand", rec.Asset.Brand)
	line("Version", fmt.Sprintf("%d, %s, %d bytes", rec.Version.Number, rec.Version.Filename, rec.Version.Size))
	line("Content SHA-256", rec.Version.SHA256)
	line("State", string(rec.Version.State))
	line("Printed", rec.Printed)
	for _, r := range rec.Rounds {
		p.Ln(4)
		p.SetFont(family, "B", 12)
		p.CellFormat(0, 8, fmt.Sprintf("Review round %d (%s): %s", r.Number, r.Kind, r.Status), "", 1, "L", false, 0, "")
		for _, t := range r.Tasks {
			p.SetFont(family, "B", 10)
			p.CellFormat(0, 6, fmt.Sprintf("%s review: %s", t.Function, t.Status), "", 1, "L", false, 0, "")
			p.SetFont(family, "", 9)
			p.MultiCell(0, 5, signatureText(t.Signature), "", "L", false)
			if t.Comment != "" {
				p.MultiCell(0, 5, "Comment: "+t.Comment, "", "L", false)
			}
		}
		if rep := r.Report; rep != nil {
			verdict := "failed"
			if rep.Passed {
				verdict = "passed"
			}
			p.SetFont(family, "B", 10)
			p.MultiCell(0, 6, fmt.Sprintf("Checker report: checked %s UTC against label v%d, rules %s: %s",
				rep.CheckedAt.UTC().Format("2006-01-02 15:04"), rep.LabelVersion, rep.RulesVersion, verdict), "", "L", false)
			p.SetFont(family, "", 9)
			for _, f := range rep.Findings {
				p.MultiCell(0, 5, findingText(f), "", "L", false)
			}
		}
	}
	if len(rec.Threads) > 0 {
		p.Ln(4)
		p.SetFont(family, "B", 12)
		p.CellFormat(0, 8, "Comment threads", "", 1, "L", false, 0, "")
		for i, a := range rec.Threads {
			p.SetFont(family, "B", 10)
			p.MultiCell(0, 6, fmt.Sprintf("%d. Page %d, %s", i+1, a.Page, a.Resolution()), "", "L", false)
			p.SetFont(family, "", 9)
			if a.Quote != "" {
				p.MultiCell(0, 5, "On: \u201c"+a.Quote+"\u201d", "", "L", false)
			}
			p.MultiCell(0, 5, fmt.Sprintf("%s, %s UTC: %s", a.Author, a.CreatedAt.UTC().Format("2006-01-02 15:04"), a.Body), "", "L", false)
			for _, r := range a.Replies {
				p.MultiCell(0, 5, fmt.Sprintf("    %s, %s UTC: %s", r.Author, r.CreatedAt.UTC().Format("2006-01-02 15:04"), r.Body),
					"", "L", false)
			}
		}
	}
	return finish(p, "approval record")
}

func signatureText(s *Signature) string {
	if s == nil {
		return "Not signed."
	}
	return fmt.Sprintf("Signed by %s on %s UTC. Meaning: %s. Decision: %s. Content SHA-256: %s",
		s.PrintedName, s.SignedAt.UTC().Format("2006-01-02 15:04:05"), s.Meaning, s.Decision, s.ContentSHA256)
}

func findingText(f domain.Finding) string {
	txt := fmt.Sprintf("%s %s", f.Severity, f.RuleID)
	if f.Page > 0 {
		txt += fmt.Sprintf(" (page %d, line %d)", f.Page, f.Line)
	}
	txt += ": " + f.Message
	if w := f.Waiver; w != nil {
		txt += fmt.Sprintf(" Waived by %s on %s UTC: %s", w.SignerName, w.SignedAt.UTC().Format("2006-01-02 15:04"), w.Justification)
	}
	return txt
}
