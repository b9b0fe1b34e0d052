package server

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// violating is a piece that breaks several fair-balance rules: no ISI, no
// PI reference, an absolute claim.
const violating = "ZELTRA is the safe choice and guaranteed to work.\nAsk your doctor about ZELTRA today.\n"

func TestCheckReportAndWaivers(t *testing.T) {
	f := newContentFixture(t)
	f.addUser(t, "regulatory@example.com", "regulatory_reviewer:ZELTRA")
	reg := f.login(t, "regulatory@example.com")
	a := f.createAsset(t, f.marketer, "ZEL-CHK-1", "ZELTRA")
	v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "bad.txt", []byte(violating)), http.StatusCreated)

	// The upload was checked at once.
	r := decode[domain.CheckReport](t, f.api(t, http.MethodGet, "/api/v1/versions/"+v.ID+"/compliance", f.medical, nil), http.StatusOK)
	if r.Passed || r.LabelVersion != 1 || r.RulesVersion == "" || len(r.Findings) == 0 {
		t.Fatalf("report = %+v", r)
	}
	var errs []domain.Finding
	for _, fd := range r.Findings {
		if fd.Severity == domain.SeverityError {
			errs = append(errs, fd)
		}
		if fd.RuleID == "" || fd.Message == "" {
			t.Fatalf("incomplete finding %+v", fd)
		}
	}
	if len(errs) == 0 {
		t.Fatalf("no error findings in %+v", r.Findings)
	}
	// Re-running makes a new report.
	r2 := decode[domain.CheckReport](
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+v.ID+"/compliance", f.marketer, nil),
		http.StatusCreated,
	)
	if r2.ID == r.ID || len(r2.Findings) != len(r.Findings) {
		t.Fatalf("re-run = %+v", r2)
	}
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/versions/"+v.ID+"/compliance", f.medical, nil), http.StatusForbidden, "forbidden")

	waive := func(token, findingID string, body map[string]any) *httptest.ResponseRecorder {
		return f.api(t, http.MethodPost, "/api/v1/versions/"+v.ID+"/compliance/findings/"+findingID+"/waive", token, body)
	}
	good := map[string]any{
		"justification": "Reviewed: the statement is a quoted trademark, not a claim.",
		"password":      testPassword,
		"meaning":       "Finding waived by Regulatory",
	}
	decodeError(t, waive(f.medical, r2.Findings[0].ID, good), http.StatusForbidden, "forbidden")
	// A finding of the superseded report cannot be waived.
	decodeError(t, waive(reg, r.Findings[0].ID, good), http.StatusConflict, "conflict")
	d := decodeError(
		t,
		waive(reg, r2.Findings[0].ID, map[string]any{"justification": "short", "password": "wrong password", "meaning": ""}),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	if d.Fields["password"] == "" || d.Fields["justification"] == "" || d.Fields["meaning"] == "" {
		t.Fatalf("fields = %v", d.Fields)
	}
	var last domain.CheckReport
	for _, fd := range r2.Findings {
		if fd.Severity != domain.SeverityError {
			continue
		}
		last = decode[domain.CheckReport](t, waive(reg, fd.ID, good), http.StatusOK)
	}
	if !last.Passed {
		t.Fatalf("all errors waived but report fails: %+v", last)
	}
	for _, fd := range last.Findings {
		if fd.Severity == domain.SeverityError &&
			(fd.Waiver == nil || fd.Waiver.SignerName != "regulatory Person" || fd.Waiver.Meaning != "Finding waived by Regulatory") {
			t.Fatalf("waiver not recorded: %+v", fd)
		}
	}
	decodeError(t, waive(reg, errs[0].ID, good), http.StatusConflict, "conflict")
	decodeError(t, waive(reg, last.Findings[0].ID, good), http.StatusConflict, "conflict")

	var waivers, failedSignatures int
	for _, e := range f.auditActions(t) {
		switch e.Action {
		case "compliance.waive":
			waivers++
		case "signature.password_failed":
			failedSignatures++
		}
	}
	if waivers != len(errs) || failedSignatures != 1 {
		t.Fatalf("audit: %d waivers, %d failed signatures", waivers, failedSignatures)
	}
}

// TestUploaderCannotWaive checks segregation of duties on waivers.
func TestUploaderCannotWaive(t *testing.T) {
	f := newContentFixture(t)
	f.addUser(t, "both@example.com", "marketer:ZELTRA", "regulatory_reviewer:ZELTRA")
	both := f.login(t, "both@example.com")
	a := f.createAsset(t, both, "ZEL-CHK-2", "ZELTRA")
	v := decode[domain.Version](t, f.upload(t, both, a.ID, "bad.txt", []byte(violating)), http.StatusCreated)
	r := decode[domain.CheckReport](t, f.api(t, http.MethodGet, "/api/v1/versions/"+v.ID+"/compliance", both, nil), http.StatusOK)
	decodeError(t, f.api(
		t,
		http.MethodPost,
		"/api/v1/versions/"+v.ID+"/compliance/findings/"+r.Findings[0].ID+"/waive",
		both,
		map[string]any{
			"justification": "I wrote it and I like it very much.",
			"password":      testPassword,
			"meaning":       "waived",
		},
	), http.StatusForbidden, "forbidden")

	// The form answers as the API does: a refusal by permission is 403, on the asset page.
	w := webSignIn(t, f.testServer, "both@example.com")
	tok := w.csrf(t, "/assets/"+a.ID)
	rec := w.do(
		t,
		http.MethodPost,
		"/versions/"+v.ID+"/compliance/findings/"+r.Findings[0].ID+"/waive",
		url.Values{
			"_csrf":         {tok},
			"justification": {"I wrote it and I like it very much."},
			"meaning":       {"waived"},
			"password":      {testPassword},
		},
	)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "ZEL-CHK-2") {
		t.Fatalf("waiver form by the uploader = %d %s", rec.Code, rec.Body)
	}
}

func TestCheckPages(t *testing.T) {
	f := newContentFixture(t)
	f.addUser(t, "regulatory@example.com", "regulatory_reviewer:ZELTRA")
	a := f.createAsset(t, f.marketer, "ZEL-CHK-3", "ZELTRA")
	v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "bad.txt", []byte(violating)), http.StatusCreated)
	w := webSignIn(t, f.testServer, "regulatory@example.com")
	rec := w.do(t, http.MethodGet, "/assets/"+a.ID, nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "Checker report") || !strings.Contains(body, "<mark>") ||
		!strings.Contains(body, "Sign and waive") {
		t.Fatalf("asset page = %d %s", rec.Code, body)
	}
	r := decode[domain.CheckReport](t, f.api(t, http.MethodGet, "/api/v1/versions/"+v.ID+"/compliance", f.marketer, nil), http.StatusOK)
	tok := w.csrf(t, "/assets/"+a.ID)
	// waive posts the waiver form of the report's first finding.
	waive := func(justification, meaning, password string) *httptest.ResponseRecorder {
		return w.do(t, http.MethodPost, "/versions/"+v.ID+"/compliance/findings/"+r.Findings[0].ID+"/waive",
			url.Values{"_csrf": {tok}, "justification": {justification}, "meaning": {meaning}, "password": {password}})
	}
	rec = waive("x", "m", "nope")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "password") {
		t.Fatalf("bad waiver = %d", rec.Code)
	}
	rec = waive("Quoted trademark, not a claim.", "Waived by Regulatory", testPassword)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("waiver = %d %s", rec.Code, rec.Body)
	}
	if rec := w.do(t, http.MethodGet, rec.Header().Get("Location"), nil); !strings.Contains(
		rec.Body.String(),
		"Waived by regulatory Person",
	) {
		t.Fatalf("waiver not shown")
	}
	// Waiving it again is a state conflict: 409, on the asset page with the reason.
	rec = waive("Quoted trademark, not a claim.", "Waived by Regulatory", testPassword)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "already waived") {
		t.Fatalf("second waiver = %d %s", rec.Code, rec.Body)
	}
	// Label page: regulatory may edit; a bad form keeps input.
	tok = w.csrf(t, "/brands/ZELTRA/label")
	// postLabel posts a sound label form with the fields of changes set.
	postLabel := func(changes url.Values) *httptest.ResponseRecorder {
		form := url.Values{
			"_csrf":              {tok},
			"proprietary_name":   {"ZELTRA"},
			"established_name":   {"zeltaparin"},
			"indication":         {"Adults."},
			"isi_statements":     {"Bleeding.\nFalls."},
			"pi_reference":       {"See PI."},
			"max_expiry_months":  {"12"},
			"required_functions": {"medical", "legal", "regulatory"},
		}
		maps.Copy(form, changes)
		return w.do(t, http.MethodPost, "/brands/ZELTRA/label", form)
	}
	rec = postLabel(url.Values{"isi_statements": {""}, "rereview_grace_days": {"soon"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "isi_statements-error") ||
		!strings.Contains(rec.Body.String(), "rereview_grace_days-error") {
		t.Fatalf("bad label form = %d", rec.Code)
	}
	// The review SLA is an administrator's decision.
	rec = postLabel(url.Values{"review_sla_days": {"3"}, "password": {testPassword}})
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Only an administrator") {
		t.Fatalf("SLA change by a reviewer = %d", rec.Code)
	}
	rec = postLabel(url.Values{"review_sla_days": {"5"}, "rereview_grace_days": {"0"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("label save = %d %s", rec.Code, rec.Body)
	}
	if rec := w.do(t, http.MethodGet, "/brands/ZELTRA/label", nil); !strings.Contains(rec.Body.String(), "Current label (version 2)") ||
		!strings.Contains(rec.Body.String(), "a flagged piece stays until its own expiry") {
		t.Fatal("label page does not show version 2 with no re-review grace")
	}
	tok = w.csrf(t, "/brands/ZELTRA/claims")
	rec = w.do(
		t,
		http.MethodPost,
		"/brands/ZELTRA/claims",
		url.Values{"_csrf": {tok}, "text": {"ZELTRA lowers stroke risk."}, "category": {"efficacy"}, "references": {"Data on file."}},
	)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("claim add = %d %s", rec.Code, rec.Body)
	}
}
