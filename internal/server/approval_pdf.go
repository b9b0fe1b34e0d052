package server

import (
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/pdfdoc"
)

// renderApprovalPDF lays out the approval record as a PDF (pdfdoc): the
// piece, its content hash and, per review round, every signature with
// printed name, meaning and time (21 CFR 11.50), then the checker report it
// was made against.
func renderApprovalPDF(rec approvalRecord) ([]byte, error) {
	doc := pdfdoc.ApprovalRecord{Asset: rec.Asset, Version: rec.Version, Printed: rec.Printed, Threads: rec.Threads}
	for _, r := range rec.Rounds {
		round := pdfdoc.ReviewRound{Number: r.Number, Kind: r.Kind, Status: r.Status}
		for _, t := range r.Tasks {
			round.Tasks = append(round.Tasks, pdfdoc.ReviewTask{Function: t.Function, Status: t.Status, Comment: t.Comment,
				Signature: pdfSignature(t.Signature)})
		}
		if rep, ok := rec.Reports[r.ReportID]; ok {
			round.Report = &rep
		}
		doc.Rounds = append(doc.Rounds, round)
	}
	return pdfdoc.RenderApprovalRecord(doc)
}

func pdfSignature(s *domain.SignatureRecord) *pdfdoc.Signature {
	if s == nil {
		return nil
	}
	return &pdfdoc.Signature{PrintedName: s.PrintedName, SignedAt: s.SignedAt, Meaning: s.Meaning, Decision: s.Decision,
		ContentSHA256: s.ContentSHA256}
}
