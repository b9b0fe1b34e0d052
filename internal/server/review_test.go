package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// reviewFixture has a marketer's uploaded version and one reviewer per
// function for ZELTRA.
type reviewFixture struct {
	*contentFixture
	t                 *testing.T
	legal, regulatory string
	asset             domain.Asset
	version           domain.Version
}

const compliantPiece = "ZELTRA (zeltaparin) is indicated for the treatment of adults with condition X.\n" +
	"Important Safety Information\nSerious bleeding can occur.\nPlease see full Prescribing Information.\n"

func newReviewFixture(t *testing.T) *reviewFixture {
	return newReviewFixtureOn(t, "sqlite")
}

func newReviewFixtureOn(t *testing.T, backend string) *reviewFixture {
	t.Helper()
	f := &reviewFixture{contentFixture: newContentFixtureOn(t, backend), t: t}
	f.addUser(t, "legal@example.com", "legal_reviewer:ZELTRA")
	f.addUser(t, "regulatory@example.com", "regulatory_reviewer:ZELTRA")
	f.legal, f.regulatory = f.login(t, "legal@example.com"), f.login(t, "regulatory@example.com")
	f.asset = f.createAsset(t, f.marketer, "ZEL-REV-1", "ZELTRA")
	f.version = decode[domain.Version](t, f.upload(t, f.marketer, f.asset.ID, "piece.txt", []byte(compliantPiece)), http.StatusCreated)
	return f
}

// clearErrors waives every error finding of the version's current report,
// as a regulatory reviewer may, so that approval is possible.
func (f *reviewFixture) clearErrors(t *testing.T, versionID string) {
	t.Helper()
	r := decode[domain.CheckReport](
		t,
		f.api(t, http.MethodGet, "/api/v1/versions/"+versionID+"/compliance", f.regulatory, nil),
		http.StatusOK,
	)
	for _, fd := range r.Findings {
		if fd.Severity == domain.SeverityError && fd.Waiver == nil {
			decode[domain.CheckReport](
				t,
				f.api(
					t,
					http.MethodPost,
					"/api/v1/versions/"+versionID+"/compliance/findings/"+fd.ID+"/waive",
					f.regulatory,
					map[string]any{
						"justification": "Accepted by Regulatory for this test piece.",
						"password":      testPassword,
						"meaning":       "Waived by Regulatory",
					},
				),
				http.StatusOK,
			)
		}
	}
}

func (f *reviewFixture) decide(token, function, decision string) *httptest.ResponseRecorder {
	return f.postReview(f.t, token, map[string]any{
		"function": function, "decision": decision, "comment": "Reviewed.", "password": testPassword,
		"meaning": domain.DefaultMeaning(function, decision)})
}

// postReview posts a review decision with body on the fixture's version.
func (f *reviewFixture) postReview(t *testing.T, token string, body map[string]any) *httptest.ResponseRecorder {
	return f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/reviews", token, body)
}

func TestMLRReviewToApproval(t *testing.T) {
	f := newReviewFixture(t)
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/submit", f.medical, nil), http.StatusForbidden, "forbidden")
	round := decode[domain.ReviewRound](
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/submit", f.marketer, nil),
		http.StatusCreated,
	)
	if len(round.Tasks) != 3 || round.ReportID == "" || !round.DueAt.After(round.SubmittedAt) {
		t.Fatalf("round = %+v", round)
	}
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/submit", f.marketer, nil), http.StatusConflict, "conflict")

	queue := decode[struct{ Reviews []domain.ReviewTask }](t, f.api(t, http.MethodGet, "/api/v1/reviews", f.medical, nil), http.StatusOK)
	if len(queue.Reviews) != 1 || queue.Reviews[0].Function != "medical" || queue.Reviews[0].JobCode != "ZEL-REV-1" {
		t.Fatalf("medical queue = %+v", queue.Reviews)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/reviews", f.marketer, nil), http.StatusForbidden, "forbidden")
	notes := decode[struct {
		Notifications []domain.Notification
	}](t, f.api(t, http.MethodGet, "/api/v1/me/notifications", f.legal, nil), http.StatusOK)
	if len(notes.Notifications) != 1 || notes.Notifications[0].Kind != "review_requested" || notes.Notifications[0].ReadAt != nil {
		t.Fatalf("legal's notifications = %+v", notes.Notifications)
	}
	if rec := f.api(t, http.MethodPost, "/api/v1/me/notifications/read", f.legal, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("mark read = %d", rec.Code)
	}

	f.clearErrors(t, f.version.ID)
	// Wrong function for the role, wrong password, missing meaning.
	decodeError(t, f.decide(f.medical, "legal", "approve"), http.StatusForbidden, "forbidden")
	d := decodeError(
		t,
		f.postReview(t, f.medical, map[string]any{"function": "medical", "decision": "approve", "password": "wrong"}),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	if d.Fields["password"] == "" || d.Fields["meaning"] == "" {
		t.Fatalf("fields = %v", d.Fields)
	}
	res := decode[domain.DecisionResult](t, f.decide(f.medical, "medical", "approve"), http.StatusOK)
	if res.VersionState != domain.StateInReview || res.Task.Status != domain.TaskApproved {
		t.Fatalf("after medical: %+v", res)
	}
	decodeError(t, f.decide(f.medical, "medical", "approve"), http.StatusConflict, "conflict")
	decode[domain.DecisionResult](t, f.decide(f.legal, "legal", "approve"), http.StatusOK)
	res = decode[domain.DecisionResult](t, f.decide(f.regulatory, "regulatory", "approve"), http.StatusOK)
	if res.VersionState != domain.StateApproved {
		t.Fatalf("after all approvals: %+v", res)
	}
	v := decode[domain.Version](t, f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID, f.marketer, nil), http.StatusOK)
	if v.State != domain.StateApproved {
		t.Fatalf("version state %s", v.State)
	}
	hist := decode[struct{ Rounds []domain.ReviewRound }](
		t,
		f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/reviews", f.medical, nil),
		http.StatusOK,
	)
	if len(hist.Rounds) != 1 || hist.Rounds[0].Status != "approved" {
		t.Fatalf("history = %+v", hist.Rounds)
	}
	for _, task := range hist.Rounds[0].Tasks {
		s := task.Signature
		if s == nil || s.PrintedName == "" || s.Meaning == "" || s.ContentSHA256 != f.version.SHA256 || s.Function != task.Function ||
			s.Decision != "approve" {
			t.Fatalf("signature manifestation incomplete: %+v", task)
		}
	}
	if q := decode[struct{ Reviews []domain.ReviewTask }](t, f.api(t, http.MethodGet, "/api/v1/reviews", f.legal, nil), http.StatusOK); len(
		q.Reviews,
	) != 0 {
		t.Fatalf("legal queue not empty: %+v", q.Reviews)
	}

	// Re-certification: a new round on the same bytes; the version stays approved.
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/recertify", f.medical, nil),
		http.StatusForbidden,
		"forbidden",
	)
	rc := decode[domain.ReviewRound](
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/recertify", f.marketer, nil),
		http.StatusCreated,
	)
	if rc.Kind != "recertification" || rc.Number != 2 || len(rc.Tasks) != 3 {
		t.Fatalf("recertification round = %+v", rc)
	}
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/recertify", f.marketer, nil),
		http.StatusConflict,
		"conflict",
	)
	f.clearErrors(t, f.version.ID)
	for _, who := range []struct{ token, function string }{{f.medical, "medical"}, {f.legal, "legal"}, {f.regulatory, "regulatory"}} {
		res := decode[domain.DecisionResult](t, f.decide(who.token, who.function, "approve"), http.StatusOK)
		if res.VersionState != domain.StateApproved {
			t.Fatalf("state during re-certification = %s", res.VersionState)
		}
	}
	hist = decode[struct{ Rounds []domain.ReviewRound }](
		t,
		f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/reviews", f.medical, nil),
		http.StatusOK,
	)
	if len(hist.Rounds) != 2 || hist.Rounds[1].Status != "approved" {
		t.Fatalf("history after re-certification = %+v", hist.Rounds)
	}
	// Published and re-certified: a new expiry may be set.
	pub := f.publishFor(t, 24*time.Hour)
	if pub.State != domain.StatePublished {
		t.Fatalf("state = %s", pub.State)
	}
	decodeError(t, f.publishRequest(t, map[string]any{"expires_at": f.clock.Now().Add(48 * time.Hour)}), http.StatusConflict, "conflict")
	decode[domain.ReviewRound](
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/recertify", f.marketer, nil),
		http.StatusCreated,
	)
	f.clearErrors(t, f.version.ID)
	f.clock.Advance(time.Minute)
	for _, who := range []struct{ token, function string }{{f.medical, "medical"}, {f.legal, "legal"}, {f.regulatory, "regulatory"}} {
		decode[domain.DecisionResult](t, f.decide(who.token, who.function, "approve"), http.StatusOK)
	}
	ext := f.publishFor(t, 72*time.Hour)
	if ext.State != domain.StatePublished {
		t.Fatalf("after extension: %s", ext.State)
	}
	draft := decode[domain.Version](t, f.upload(t, f.marketer, f.asset.ID, "v2.txt", []byte(compliantPiece+"More.\n")), http.StatusCreated)
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/versions/"+draft.ID+"/recertify", f.marketer, nil), http.StatusConflict, "conflict")
}

func TestUnwaivedErrorsBlockApproval(t *testing.T) {
	f := newReviewFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-REV-2", "ZELTRA")
	f.version = decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "bad.txt", []byte(violating)), http.StatusCreated)
	decode[domain.ReviewRound](
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/submit", f.marketer, nil),
		http.StatusCreated,
	)
	d := decodeError(t, f.decide(f.medical, "medical", "approve"), http.StatusConflict, "conflict")
	if !strings.Contains(d.Message, "unwaived") {
		t.Fatalf("message = %q", d.Message)
	}
	// Requesting changes is always possible and closes the round.
	changes := map[string]any{"function": "legal", "decision": "request_changes", "comment": "Remove the absolute claims."}
	res := decode[domain.DecisionResult](t, f.postReview(t, f.legal, changes), http.StatusOK)
	if res.VersionState != domain.StateChangesRequested {
		t.Fatalf("state = %s", res.VersionState)
	}
	decodeError(t, f.decide(f.regulatory, "regulatory", "approve"), http.StatusConflict, "conflict")
	decodeError(
		t,
		f.postReview(t, f.medical, map[string]any{"function": "medical", "decision": "request_changes"}),
		http.StatusUnprocessableEntity,
		"invalid",
	)
}

func TestSegregationOfDutiesInReview(t *testing.T) {
	f := newReviewFixture(t)
	f.addUser(t, "twohats@example.com", "medical_reviewer:ZELTRA", "legal_reviewer:ZELTRA")
	f.addUser(t, "author@example.com", "marketer:ZELTRA", "regulatory_reviewer:ZELTRA")
	twohats, author := f.login(t, "twohats@example.com"), f.login(t, "author@example.com")
	a := f.createAsset(t, author, "ZEL-REV-3", "ZELTRA")
	f.version = decode[domain.Version](t, f.upload(t, author, a.ID, "piece.txt", []byte(compliantPiece)), http.StatusCreated)
	decode[domain.ReviewRound](t, f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/submit", author, nil), http.StatusCreated)
	f.clearErrors(t, f.version.ID)
	// The author may not review their own piece, even holding the role.
	decodeError(t, f.decide(author, "regulatory", "approve"), http.StatusForbidden, "forbidden")
	if q := decode[struct{ Reviews []domain.ReviewTask }](t, f.api(t, http.MethodGet, "/api/v1/reviews", author, nil), http.StatusOK); len(
		q.Reviews,
	) != 0 {
		t.Fatalf("author's own piece in their queue: %+v", q.Reviews)
	}
	decode[domain.DecisionResult](t, f.decide(twohats, "medical", "approve"), http.StatusOK)
	d := decodeError(t, f.decide(twohats, "legal", "approve"), http.StatusForbidden, "forbidden")
	if !strings.Contains(d.Message, "only one function") {
		t.Fatalf("message = %q", d.Message)
	}
	res := decode[domain.DecisionResult](t, f.postReview(t, f.legal, map[string]any{
		"function": "legal", "decision": "reject", "comment": "Unsubstantiated.", "password": testPassword,
		"meaning": "Rejected in legal review"}), http.StatusOK)
	if res.VersionState != domain.StateRejected {
		t.Fatalf("state = %s", res.VersionState)
	}
}

// TestReviewInTheBrowser plays submit, review with signatures, comments and
// the approval record through the web forms.
func TestReviewInTheBrowser(t *testing.T) {
	f := newReviewFixture(t)
	page := "/assets/" + f.asset.ID + "?version=" + f.version.ID
	marketer := webSignIn(t, f.testServer, "marketer@example.com")
	tok := marketer.csrf(t, page)
	if !strings.Contains(marketer.do(t, http.MethodGet, page, nil).Body.String(), "Submit for MLR review") {
		t.Fatal("no submit button for the author")
	}
	if rec := marketer.do(t, http.MethodPost, "/versions/"+f.version.ID+"/submit",
		url.Values{"_csrf": {tok}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("submit = %d %s", rec.Code, rec.Body)
	}
	if rec := marketer.do(t, http.MethodPost, "/versions/"+f.version.ID+"/comments", url.Values{"_csrf": {tok},
		"body": {"Please check page 1."}, "page": {"1"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("comment = %d %s", rec.Code, rec.Body)
	}
	f.clearErrors(t, f.version.ID)

	for _, who := range []struct{ email, function string }{{"medical@example.com", "medical"}, {"legal@example.com", "legal"},
		{"regulatory@example.com", "regulatory"}} {
		w := webSignIn(t, f.testServer, who.email)
		q := w.do(t, http.MethodGet, "/reviews", nil)
		if q.Code != http.StatusOK || !strings.Contains(q.Body.String(), "ZEL-REV-1") {
			t.Fatalf("%s queue = %d", who.function, q.Code)
		}
		body := w.do(t, http.MethodGet, page, nil).Body.String()
		if !strings.Contains(body, "Sign and record decision") || !strings.Contains(body, "Please check page 1.") {
			t.Fatalf("%s sees no decision form or comment", who.function)
		}
		tok := w.csrf(t, page)
		// A wrong password re-renders the page with the problem.
		rec := w.do(
			t,
			http.MethodPost,
			"/versions/"+f.version.ID+"/reviews",
			url.Values{"_csrf": {tok}, "function": {who.function}, "decision": {"approve"}, "meaning": {"Approved"}, "password": {"wrong"}},
		)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "password is incorrect") {
			t.Fatalf("wrong password = %d", rec.Code)
		}
		rec = w.do(
			t,
			http.MethodPost,
			"/versions/"+f.version.ID+"/reviews",
			url.Values{
				"_csrf":    {tok},
				"function": {who.function},
				"decision": {"approve"},
				"meaning":  {domain.DefaultMeaning(who.function, "approve")},
				"password": {testPassword},
			},
		)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%s decision = %d %s", who.function, rec.Code, rec.Body)
		}
	}
	body := marketer.do(t, http.MethodGet, page, nil).Body.String()
	if !strings.Contains(body, "badge-approved") || !strings.Contains(body, "Approved as medically accurate") ||
		!strings.Contains(body, "Approval record") {
		t.Fatalf("author's view lacks the approval")
	}
	rec := marketer.do(t, http.MethodGet, "/versions/"+f.version.ID+"/approval-record", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), f.version.SHA256) ||
		strings.Count(rec.Body.String(), "Approved as") != 3 {
		t.Fatalf("approval record = %d", rec.Code)
	}
	rec = marketer.do(t, http.MethodGet, "/versions/"+f.version.ID+"/approval-record.pdf", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" ||
		!bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
		t.Fatalf("approval PDF = %d %q", rec.Code, rec.Header())
	}
	// The comment API shows the thread.
	list := decode[struct {
		Comments []struct{ Body string }
	}](t, f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/comments", f.medical, nil), http.StatusOK)
	if len(list.Comments) != 1 {
		t.Fatalf("comments = %+v", list.Comments)
	}
	decodeError(
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/comments", f.medical, map[string]any{"body": "", "page": 99}),
		http.StatusUnprocessableEntity,
		"invalid",
	)
}
