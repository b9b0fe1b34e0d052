package server

import (
	"bytes"
	"fmt"

	"github.com/go-pdf/fpdf"
)

// renderApprovalPDF lays out the approval record as a PDF: the piece, its
// content hash and, per review round, every signature with printed name,
// meaning and time (21 CFR 11.50), then the checker report it was made
// against. Text outside Latin-1 is transliterated by the core fonts.
func renderApprovalPDF(rec approvalRecord) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.SetTitle("Approval record "+rec.Asset.JobCode, true)
	p.SetAuthor("Fairshelf", true)
	p.SetAutoPageBreak(true, 15)
	p.AddPage()
	p.SetFont("Helvetica", "B", 16)
	p.CellFormat(0, 10, tr("Approval record"), "", 1, "L", false, 0, "")
	p.SetFont("Helvetica", "", 10)
	line := func(label, value string) {
		p.SetFont("Helvetica", "B", 10)
		p.CellFormat(45, 6, tr(label), "", 0, "L", false, 0, "")
		p.SetFont("Helvetica", "", 10)
		p.MultiCell(0, 6, tr(value), "", "L", false)
	}
	line("Asset", fmt.Sprintf("%s (%s)", rec.Asset.Title, rec.Asset.JobCode))
	line("Brand", rec.Asset.Brand)
	line("Version", fmt.Sprintf("%d, %s, %d bytes", rec.Version.Number, rec.Version.Filename, rec.Version.Size))
	line("Content SHA-256", rec.Version.SHA256)
	line("State", rec.Version.State)
	line("Printed", rec.Printed)
	for _, r := range rec.Rounds {
		p.Ln(4)
		p.SetFont("Helvetica", "B", 12)
		p.CellFormat(0, 8, tr(fmt.Sprintf("Review round %d (%s): %s", r.Number, r.Kind, r.Status)), "", 1, "L", false, 0, "")
		for _, t := range r.Tasks {
			p.SetFont("Helvetica", "B", 10)
			p.CellFormat(0, 6, tr(fmt.Sprintf("%s review: %s", t.Function, t.Status)), "", 1, "L", false, 0, "")
			p.SetFont("Helvetica", "", 9)
			if s := t.Signature; s != nil {
				p.MultiCell(0, 5, tr(fmt.Sprintf("Signed by %s on %s UTC. Meaning: %s. Decision: %s. Content SHA-256: %s",
					s.PrintedName, s.SignedAt.UTC().Format("2006-01-02 15:04:05"), s.Meaning, s.Decision, s.ContentSHA256)), "", "L", false)
			} else {
				p.MultiCell(0, 5, tr("Not signed."), "", "L", false)
			}
			if t.Comment != "" {
				p.MultiCell(0, 5, tr("Comment: "+t.Comment), "", "L", false)
			}
		}
		if rep, ok := rec.Reports[r.ReportID]; ok {
			verdict := "failed"
			if rep.Passed {
				verdict = "passed"
			}
			p.SetFont("Helvetica", "B", 10)
			p.MultiCell(0, 6, tr(fmt.Sprintf("Compliance report: checked %s UTC against label v%d, rules %s: %s",
				rep.CheckedAt.UTC().Format("2006-01-02 15:04"), rep.LabelVersion, rep.RulesVersion, verdict)), "", "L", false)
			p.SetFont("Helvetica", "", 9)
			for _, f := range rep.Findings {
				txt := fmt.Sprintf("%s %s", f.Severity, f.RuleID)
				if f.Page > 0 {
					txt += fmt.Sprintf(" (page %d, line %d)", f.Page, f.Line)
				}
				txt += ": " + f.Message
				if w := f.Waiver; w != nil {
					txt += fmt.Sprintf(" Waived by %s on %s UTC: %s", w.SignerName, w.SignedAt.UTC().Format("2006-01-02 15:04"), w.Justification)
				}
				p.MultiCell(0, 5, tr(txt), "", "L", false)
			}
		}
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("server: approval record PDF: %w", err)
	}
	return buf.Bytes(), nil
}
