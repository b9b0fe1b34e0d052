package pdfdoc

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
)

// signers have names outside cp1252: Polish Ł, Cyrillic and Greek. The core
// fonts turned them into question marks.
var signers = []string{"Zoë Łukasiewicz", "Ярослав Петренко", "Σοφία Παπαδοπούλου"}

// pdfText reads a PDF back with our own extractor and checks that it was
// written with embedded fonts only.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", data[:min(len(data), 16)])
	}
	// The object dictionaries are not compressed, so a core font would show.
	for _, s := range []string{"/WinAnsiEncoding", "/Subtype /Type1"} {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("PDF uses a core font (%s)", s)
		}
	}
	doc, err := extract.Extract(context.Background(), bytes.NewReader(data), int64(len(data)), extract.PDF, extract.Limits{})
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	return doc.Plain()
}

func TestApprovalRecordKeepsSignerNames(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)
	var tasks []ReviewTask
	for i, name := range signers {
		tasks = append(tasks, ReviewTask{
			Function: []string{"medical", "legal", "regulatory"}[i], Status: "approved", Comment: "Reviewed by " + name,
			Signature: &Signature{PrintedName: name, SignedAt: at, Meaning: "approval", Decision: "approved",
				ContentSHA256: strings.Repeat("ab", 32)},
		})
	}
	waived := &domain.Waiver{SignerName: signers[2], SignedAt: at, Justification: "Fair balance is on page 2."}
	rec := ApprovalRecord{
		Asset:   domain.Asset{JobCode: "ZEL-0042", Title: "Zeltra leave-behind", Brand: "zeltra"},
		Version: domain.Version{Number: 2, Filename: "zeltra.pdf", Size: 12345, SHA256: strings.Repeat("ab", 32), State: "approved"},
		Rounds: []ReviewRound{
			{Number: 1, Kind: "full", Status: "approved", Tasks: tasks, Report: &domain.CheckReport{
				LabelVersion: 3, RulesVersion: "2026.11", Passed: true, CheckedAt: at,
				Findings: []domain.Finding{{Severity: "error", RuleID: "fair-balance", Message: "Risk missing.", Waiver: waived}},
			}},
			{Number: 2, Kind: "full", Status: "open", Tasks: []ReviewTask{{Function: "medical", Status: "pending"}}},
		},
		Printed: "2026-12-03 10:00:00 UTC",
	}
	data, err := RenderApprovalRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, data)
	for _, name := range signers {
		for _, want := range []string{"Signed by " + name + " on 2026-12-03 09:30:00 UTC.", "Comment: Reviewed by " + name} {
			if !strings.Contains(text, want) {
				t.Errorf("approval record lacks %q; text:\n%s", want, text)
			}
		}
	}
	for _, want := range []string{"Waived by " + signers[2] + " on 2026-12-03 09:30 UTC", "Not signed.", "Zeltra leave-behind (ZEL-0042)"} {
		if !strings.Contains(text, want) {
			t.Errorf("approval record lacks %q; text:\n%s", want, text)
		}
	}
}

func TestForm2253KeepsNames(t *testing.T) {
	// The form carries no signature; its free-text fields take the same
	// scripts, e.g. a title or a name given in the brand's local market.
	f := Form2253{
		ApplicationType: "NDA", ApplicationNumber: "021234", ProprietaryName: signers[1], EstablishedName: signers[2],
		PIDate: "2026-11-01", Audience: "professional", MaterialType: "print", DisseminationDate: "2026-12-10",
		MaterialID: "ZEL-0042", Title: "Letter from " + signers[0],
	}
	data, err := RenderForm2253(f)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, data)
	for _, want := range []string{"Letter from " + signers[0], signers[1], signers[2], "NDA 021234", "ZEL-0042"} {
		if !strings.Contains(text, want) {
			t.Errorf("form 2253 lacks %q; text:\n%s", want, text)
		}
	}
}
