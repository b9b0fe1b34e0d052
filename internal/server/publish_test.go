package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// newApprovedFixtureOn is a review fixture on backend whose version every
// review function has approved, ready to publish.
func newApprovedFixtureOn(t *testing.T, backend string) *reviewFixture {
	t.Helper()
	f := newReviewFixtureOn(t, backend)
	f.approveAll(t)
	return f
}

// submitClean submits the fixture's version for review and waives its error
// findings, so that every review function may approve it.
func (f *reviewFixture) submitClean(t *testing.T) {
	t.Helper()
	decode[domain.ReviewRound](
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/submit", f.marketer, nil),
		http.StatusCreated,
	)
	f.clearErrors(t, f.version.ID)
}

// approveAll submits the fixture's version and has every function approve.
func (f *reviewFixture) approveAll(t *testing.T) {
	t.Helper()
	f.submitClean(t)
	for _, who := range []struct{ token, function string }{{f.medical, "medical"}, {f.legal, "legal"}, {f.regulatory, "regulatory"}} {
		decode[domain.DecisionResult](t, f.decide(who.token, who.function, "approve"), http.StatusOK)
	}
}

func (f *reviewFixture) repContent(t *testing.T, assetID string) *httptest.ResponseRecorder {
	return f.api(t, http.MethodGet, "/api/v1/library/"+assetID+"/content", f.rep, nil)
}

// TestPublishToExpiryToNotice runs the path from publication to expiry to
// 410 to notice to acknowledgement on a fake clock, on SQLite with local
// files and on PostgreSQL with MinIO.
func TestPublishToExpiryToNotice(t *testing.T) {
	forEachBackend(t, publishToExpiryToNotice)
}

func publishToExpiryToNotice(t *testing.T, backend string) {
	f := newApprovedFixtureOn(t, backend)
	now := f.clock.Now()
	decodeError(t, f.publishRequest(t, map[string]any{"expires_at": now.AddDate(0, 13, 0)}), http.StatusUnprocessableEntity, "invalid")
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/publish", f.medical, map[string]any{"expires_at": now.Add(time.Hour)}),
		http.StatusForbidden,
		"forbidden",
	)
	pub := decode[domain.Version](t, f.publishRequest(t, map[string]any{"expires_at": now.Add(2 * time.Hour)}), http.StatusOK)
	if pub.State != domain.StatePublished {
		t.Fatalf("state = %s", pub.State)
	}
	lib := decode[domain.LibraryPage](t, f.api(t, http.MethodGet, "/api/v1/library", f.rep, nil), http.StatusOK)
	if len(lib.Items) != 1 || lib.Items[0].VersionID != f.version.ID {
		t.Fatalf("rep library = %+v", lib)
	}
	if rec := f.api(t, http.MethodGet, "/api/v1/library", f.marketer, nil); rec.Code != http.StatusOK { // marketers may preview
		t.Fatalf("marketer library = %d", rec.Code)
	}
	if rec := f.repContent(t, f.asset.ID); rec.Code != http.StatusOK || rec.Body.String() != compliantPiece {
		t.Fatalf("rep download = %d", rec.Code)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/library/"+f.asset.ID+"/content", f.other, nil), http.StatusForbidden, "forbidden")

	// Field feedback flows to marketing.
	fb := decode[domain.Feedback](
		t,
		f.api(
			t,
			http.MethodPost,
			"/api/v1/assets/"+f.asset.ID+"/feedback",
			f.rep,
			map[string]any{"kind": "objection", "text": "Doctors ask about renal dosing."},
		),
		http.StatusCreated,
	)
	if fb.VersionID != f.version.ID {
		t.Fatalf("feedback = %+v", fb)
	}
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/assets/"+f.asset.ID+"/feedback", f.rep, map[string]any{"kind": "rant", "text": ""}),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/assets/"+f.asset.ID+"/feedback", f.marketer, map[string]any{"kind": "praise", "text": "x"}),
		http.StatusForbidden,
		"forbidden",
	)
	list := decode[struct{ Feedback []domain.Feedback }](
		t,
		f.api(t, http.MethodGet, "/api/v1/feedback?asset_id="+f.asset.ID, f.marketer, nil),
		http.StatusOK,
	)
	if len(list.Feedback) != 1 || list.Feedback[0].Kind != "objection" || list.Feedback[0].JobCode != "ZEL-REV-1" {
		t.Fatalf("marketing feedback = %+v", list.Feedback)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/feedback", f.rep, nil), http.StatusForbidden, "forbidden")
	changes := decode[domain.ChangesPage](t, f.api(t, http.MethodGet, "/api/v1/library/changes", f.rep, nil), http.StatusOK)
	if len(changes.Changes) != 1 || changes.Changes[0].Change != "added" || changes.NextCursor == "" {
		t.Fatalf("changes = %+v", changes)
	}
	cursor := changes.NextCursor

	// One second after expiry the piece is gone, before any job has run.
	f.clock.Advance(2*time.Hour + time.Second)
	d := decodeError(t, f.repContent(t, f.asset.ID), http.StatusGone, "gone")
	if !strings.Contains(d.Message, "expired") {
		t.Fatalf("410 message = %q", d.Message)
	}
	if lib := decode[domain.LibraryPage](t, f.api(t, http.MethodGet, "/api/v1/library", f.rep, nil), http.StatusOK); len(lib.Items) != 0 {
		t.Fatalf("expired piece listed: %+v", lib.Items)
	}
	if n, err := f.store.ExpireDue(context.Background(), f.clock.Now()); err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v", n, err)
	}
	changes = decode[domain.ChangesPage](t, f.api(t, http.MethodGet, "/api/v1/library/changes?since="+cursor, f.rep, nil), http.StatusOK)
	if len(changes.Changes) != 1 || changes.Changes[0].Change != "removed" || changes.Changes[0].Reason != "expired" {
		t.Fatalf("changes after expiry = %+v", changes)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/library/changes?since=!!", f.rep, nil), http.StatusUnprocessableEntity, "invalid")
	notices := decode[struct{ Notices []domain.Notice }](t, f.api(t, http.MethodGet, "/api/v1/notices", f.rep, nil), http.StatusOK)
	if len(notices.Notices) != 1 || notices.Notices[0].Reason != "expired" {
		t.Fatalf("notices = %+v", notices.Notices)
	}
	if rec := f.api(t, http.MethodPost, "/api/v1/notices/"+notices.Notices[0].ID+"/ack", f.rep, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("ack = %d %s", rec.Code, rec.Body)
	}
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/notices/no-such/ack", f.rep, nil), http.StatusNotFound, "not_found")
	decodeError(t, f.repContent(t, "no-such-asset"), http.StatusNotFound, "not_found")
	if r, err := f.store.VerifyAudit(context.Background()); err != nil || !r.OK {
		t.Fatalf("audit chain: %+v %v", r, err)
	}
}

func TestWithdrawalTakesEffectOnNextRequest(t *testing.T) {
	f := newApprovedFixtureOn(t, "sqlite")
	f.publishFor(t, 24*time.Hour)
	if rec := f.repContent(t, f.asset.ID); rec.Code != http.StatusOK {
		t.Fatalf("download = %d", rec.Code)
	}
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/withdraw", f.marketer, map[string]any{"reason": ""}),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	withdrawn := f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/withdraw", f.regulatory,
		map[string]any{"reason": "Superseded safety data"})
	decode[domain.Version](t, withdrawn, http.StatusOK)
	d := decodeError(t, f.repContent(t, f.asset.ID), http.StatusGone, "gone")
	if !strings.Contains(d.Message, "Superseded safety data") {
		t.Fatalf("410 message = %q", d.Message)
	}
	notices := decode[struct{ Notices []domain.Notice }](t, f.api(t, http.MethodGet, "/api/v1/notices", f.rep, nil), http.StatusOK)
	if len(notices.Notices) != 1 || notices.Notices[0].Reason != "withdrawn" {
		t.Fatalf("notices = %+v", notices.Notices)
	}
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/withdraw", f.marketer, map[string]any{"reason": "again and again"}),
		http.StatusConflict,
		"conflict",
	)
	f.clock.Advance(4 * time.Hour)
	report := decode[struct {
		Unacknowledged []domain.UnackedNotice
	}](t, f.api(t, http.MethodGet, "/api/v1/notices/report?days=0", f.regulatory, nil), http.StatusOK)
	if len(report.Unacknowledged) != 1 || report.Unacknowledged[0].Rep != "rep Person" {
		t.Fatalf("unacknowledged = %+v", report.Unacknowledged)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/notices/report", f.rep, nil), http.StatusForbidden, "forbidden")
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/notices/report?days=x", f.marketer, nil), http.StatusUnprocessableEntity, "invalid")
}

// publishRequest asks, as the marketer, to publish the fixture's version with
// the publication fields in body (expires_at, available_from).
func (f *reviewFixture) publishRequest(t *testing.T, body map[string]any) *httptest.ResponseRecorder {
	return f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/publish", f.marketer, body)
}

// publishFor publishes the fixture's version until d from the fixture's now
// and fails the test unless it is published.
func (f *reviewFixture) publishFor(t *testing.T, d time.Duration) domain.Version {
	t.Helper()
	return decode[domain.Version](t, f.publishRequest(t, map[string]any{"expires_at": f.clock.Now().Add(d)}), http.StatusOK)
}
