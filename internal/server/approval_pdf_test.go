package server

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/extract"
)

// TestRecordPDFsKeepSignerNames signs a version with reviewers whose names
// are outside cp1252 and reads their names back from the approval record
// and Form 2253 PDFs: Part 11 records must show the name as signed.
func TestRecordPDFsKeepSignerNames(t *testing.T) {
	f := newReviewFixture(t)
	names := map[string]string{"medical": "Zoë Łukasiewicz", "legal": "Ярослав Петренко", "regulatory": "Σοφία Παπαδοπούλου"}
	users := decode[struct{ Users []domain.User }](t, f.api(t, http.MethodGet, "/api/v1/users", f.admin, nil), http.StatusOK)
	for _, u := range users.Users {
		if name, ok := names[strings.TrimSuffix(u.Email, "@example.com")]; ok {
			decode[domain.User](
				t,
				f.api(t, http.MethodPatch, "/api/v1/users/"+u.ID, f.admin, map[string]any{"display_name": name}),
				http.StatusOK,
			)
		}
	}
	f.approveAll(t)

	web, _ := signedInWeb(t, f.testServer, "marketer@example.com", "/assets")
	rec := web.do(t, http.MethodGet, "/versions/"+f.version.ID+"/approval-record.pdf", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("approval PDF = %d %s", rec.Code, rec.Body)
	}
	text := pdfPlainText(t, rec.Body.Bytes())
	for function, name := range names {
		if !strings.Contains(text, "Signed by "+name+" on ") {
			t.Errorf("approval record lacks the %s signer %q; text:\n%s", function, name, text)
		}
	}

	app := map[string]any{"application_type": "nda", "application_number": "021234"}
	if rec := f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/application", f.admin, app); rec.Code != http.StatusNoContent {
		t.Fatalf("set application = %d %s", rec.Code, rec.Body)
	}
	expiry := map[string]any{"expires_at": f.clock.Now().Add(24 * time.Hour)}
	decode[domain.Version](t, f.publishRequest(t, expiry), http.StatusOK)
	rec = f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/form2253?format=pdf", f.regulatory, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("form 2253 PDF = %d %s", rec.Code, rec.Body)
	}
	text = pdfPlainText(t, rec.Body.Bytes())
	for _, want := range []string{"NDA 021234", "ZELTRA", "zeltaparin", "ZEL-REV-1", "Detail aid ZEL-REV-1"} {
		if !strings.Contains(text, want) {
			t.Errorf("form 2253 lacks %q; text:\n%s", want, text)
		}
	}
}

// pdfPlainText reads a PDF's text with our own extractor.
func pdfPlainText(t *testing.T, data []byte) string {
	t.Helper()
	doc, err := extract.Extract(context.Background(), bytes.NewReader(data), int64(len(data)), extract.PDF, extract.Limits{})
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	return doc.Plain()
}
