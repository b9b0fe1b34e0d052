package server

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func TestForm2253(t *testing.T) {
	forEachBackend(t, form2253)
}

func form2253(t *testing.T, backend string) {
	f := newApprovedFixtureOn(t, backend)
	if rec := f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/application", f.admin, map[string]any{"application_type": "nda",
		"application_number": "021234"}); rec.Code != http.StatusNoContent {
		t.Fatalf("set application = %d %s", rec.Code, rec.Body)
	}
	decodeError(
		t,
		f.api(
			t,
			http.MethodPut,
			"/api/v1/brands/ZELTRA/application",
			f.admin,
			map[string]any{"application_type": "XYZ", "application_number": ""},
		),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	decodeError(
		t,
		f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/form2253", f.regulatory, nil),
		http.StatusNotFound,
		"not_found",
	)
	f.publishFor(t, 24*time.Hour)

	form := decode[domain.Form2253](
		t,
		f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/form2253", f.regulatory, nil),
		http.StatusOK,
	)
	if form.ApplicationType != "NDA" || form.ApplicationNumber != "021234" || form.ProprietaryName != "ZELTRA" ||
		form.EstablishedName != "zeltaparin" ||
		form.Audience != "professional" || form.MaterialType != "detail_aid" || form.MaterialID != "ZEL-REV-1" ||
		form.DisseminationDate != "2026-11-25" ||
		form.PIDate != "2026-11-25" {
		t.Fatalf("form = %+v", form)
	}
	pending := decode[struct{ Pending []domain.Form2253 }](
		t,
		f.api(t, http.MethodGet, "/api/v1/form2253/pending", f.marketer, nil),
		http.StatusOK,
	)
	if len(pending.Pending) != 1 {
		t.Fatalf("pending = %+v", pending.Pending)
	}
	rec := f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/form2253?format=pdf", f.regulatory, nil)
	if rec.Code != http.StatusOK || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
		t.Fatalf("pdf = %d", rec.Code)
	}
	rec = f.api(t, http.MethodGet, "/api/v1/form2253/pending?format=csv", f.marketer, nil)
	if !strings.Contains(rec.Body.String(), "ZEL-REV-1") {
		t.Fatalf("csv = %q", rec.Body)
	}
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/form2253/submitted", f.marketer, map[string]any{"reference": "0001"}),
		http.StatusForbidden,
		"forbidden",
	)
	submitted := f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/form2253/submitted", f.regulatory,
		map[string]any{"reference": "eCTD 0001"})
	done := decode[domain.Form2253](t, submitted, http.StatusOK)
	if done.SubmittedAt == nil || done.SubmissionReference != "eCTD 0001" {
		t.Fatalf("submitted = %+v", done)
	}
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/form2253/submitted", f.regulatory, map[string]any{}),
		http.StatusConflict,
		"conflict",
	)
	if p := decode[struct{ Pending []domain.Form2253 }](t, f.api(t, http.MethodGet, "/api/v1/form2253/pending", f.marketer, nil),
		http.StatusOK); len(
		p.Pending,
	) != 0 {
		t.Fatalf("still pending: %+v", p.Pending)
	}
}

// TestForm2253EmbargoedDissemination publishes a piece embargoed to a later
// day: its 2253 dissemination date is the first day of availability.
func TestForm2253EmbargoedDissemination(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newApprovedFixtureOn(t, backend)
		from := f.clock.Now().Add(10 * 24 * time.Hour)
		window := map[string]any{"available_from": from, "expires_at": from.Add(30 * 24 * time.Hour)}
		decode[domain.Version](t, f.publishRequest(t, window), http.StatusOK)
		form := decode[domain.Form2253](
			t,
			f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/form2253", f.regulatory, nil),
			http.StatusOK,
		)
		if want := from.UTC().Format(time.DateOnly); form.DisseminationDate != want {
			t.Fatalf("dissemination date = %q, want %q (first day of availability)", form.DisseminationDate, want)
		}
		pending := decode[struct{ Pending []domain.Form2253 }](
			t,
			f.api(t, http.MethodGet, "/api/v1/form2253/pending", f.marketer, nil),
			http.StatusOK,
		)
		if len(pending.Pending) != 1 || pending.Pending[0].DisseminationDate != form.DisseminationDate {
			t.Fatalf("pending = %+v", pending.Pending)
		}
	})
}
