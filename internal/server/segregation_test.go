package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// refusals returns the audited segregation refusals as "attempted:function".
func (ts *testServer) refusals(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, e := range ts.auditActions(t) {
		if e.Action != domain.ActionSegregationRefused {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			t.Fatal(err)
		}
		if e.ActorID == "" || d["rule"] == "" {
			t.Fatalf("refusal event without actor or rule: %+v", e)
		}
		out = append(out, d["attempted"].(string)+":"+d["function"].(string))
	}
	return out
}

// waiveAll waives every unwaived error finding of a version as token and
// returns the last answer's status.
func (f *reviewFixture) waiveAll(t *testing.T, token, versionID string) int {
	t.Helper()
	r := decode[domain.CheckReport](t, f.api(t, http.MethodGet, "/api/v1/versions/"+versionID+"/compliance", f.medical, nil), http.StatusOK)
	status := 0
	for _, fd := range r.Findings {
		if fd.Severity == domain.SeverityError && fd.Waiver == nil {
			rec := f.api(
				t,
				http.MethodPost,
				"/api/v1/versions/"+versionID+"/compliance/findings/"+fd.ID+"/waive",
				token,
				map[string]any{
					"justification": "Accepted by Regulatory for this test piece.",
					"password":      testPassword,
					"meaning":       "Waived by Regulatory",
				},
			)
			if status = rec.Code; status != http.StatusOK {
				return status
			}
		}
	}
	return status
}

// submitViolatingForTwoRoles adds a reviewer holding both the regulatory and
// the medical role, uploads a violating piece as the fixture's version and
// submits it. It returns the reviewer's token and the version.
func (f *reviewFixture) submitViolatingForTwoRoles(t *testing.T) (string, domain.Version) {
	t.Helper()
	f.addUser(t, "tworoles@example.com", "regulatory_reviewer:ZELTRA", "medical_reviewer:ZELTRA")
	two := f.login(t, "tworoles@example.com")
	f.version = decode[domain.Version](t, f.upload(t, f.marketer, f.asset.ID, "bad.txt", []byte(violating)), http.StatusCreated)
	submit := f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/submit", f.marketer, nil)
	decode[domain.ReviewRound](t, submit, http.StatusCreated)
	return two, f.version
}

// TestWaiverBindsTheRegulatoryFunction: a reviewer holding both the
// regulatory and the medical role who waived a finding on a version may not
// then sign its medical review, and the refused attempt is audited.
func TestWaiverBindsTheRegulatoryFunction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newReviewFixtureOn(t, backend)
		two, v := f.submitViolatingForTwoRoles(t)
		if got := f.waiveAll(t, two, v.ID); got != http.StatusOK {
			t.Fatalf("waiver = %d", got)
		}
		d := decodeError(t, f.decide(two, "medical", "approve"), http.StatusForbidden, "forbidden")
		if !strings.Contains(d.Message, "waived a checker finding") {
			t.Fatalf("message = %q", d.Message)
		}
		// The regulatory review stays open to them: same function.
		decode[domain.DecisionResult](t, f.decide(two, "regulatory", "approve"), http.StatusOK)
		if got := strings.Join(f.refusals(t), ","); got != "review.decide:medical" {
			t.Fatalf("audited refusals = %q", got)
		}
	})
}

// TestWaiverAfterAnotherFunctionIsRefused: the reverse order, a medical
// sign-off first, then a waiver by the same person.
func TestWaiverAfterAnotherFunctionIsRefused(t *testing.T) {
	f := newReviewFixture(t)
	two, v := f.submitViolatingForTwoRoles(t)
	decode[domain.DecisionResult](t, f.api(t, http.MethodPost, "/api/v1/versions/"+v.ID+"/reviews", two, map[string]any{
		"function": "medical", "decision": "request_changes", "comment": "Fix the claims.", "password": testPassword,
		"meaning": "Changes requested"}), http.StatusOK)
	if got := f.waiveAll(t, two, v.ID); got != http.StatusForbidden {
		t.Fatalf("waiver after own medical decision = %d", got)
	}
	if got := strings.Join(f.refusals(t), ","); got != "compliance.waive:regulatory" {
		t.Fatalf("audited refusals = %q", got)
	}
}

// TestOwnerCannotWaiveOnOwnPiece: the asset's owner may not waive findings
// on a version someone else uploaded.
func TestOwnerCannotWaiveOnOwnPiece(t *testing.T) {
	f := newReviewFixture(t)
	f.addUser(t, "owner@example.com", "marketer:ZELTRA", "regulatory_reviewer:ZELTRA")
	owner := f.login(t, "owner@example.com")
	a := f.createAsset(t, owner, "ZEL-OWN-1", "ZELTRA")
	v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "bad.txt", []byte(violating)), http.StatusCreated)
	r := decode[domain.CheckReport](t, f.api(t, http.MethodGet, "/api/v1/versions/"+v.ID+"/compliance", owner, nil), http.StatusOK)
	d := decodeError(t, f.api(
		t,
		http.MethodPost,
		"/api/v1/versions/"+v.ID+"/compliance/findings/"+r.Findings[0].ID+"/waive",
		owner,
		map[string]any{
			"justification": "My own piece is fine as it is.",
			"password":      testPassword,
			"meaning":       "waived",
		},
	), http.StatusForbidden, "forbidden")
	if !strings.Contains(d.Message, "own this asset") {
		t.Fatalf("message = %q", d.Message)
	}
	if got := strings.Join(f.refusals(t), ","); got != "compliance.waive:regulatory" {
		t.Fatalf("audited refusals = %q", got)
	}
}

// TestEarlierAuthorsAndSubmitterCannotReview: whoever uploaded version 1 of
// an asset may not review version 2, and whoever submitted a version may
// not review it; neither sees the task in their queue.
func TestEarlierAuthorsAndSubmitterCannotReview(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newReviewFixtureOn(t, backend)
		f.addUser(t, "v1author@example.com", "marketer:ZELTRA", "medical_reviewer:ZELTRA")
		f.addUser(t, "submitter@example.com", "marketer:ZELTRA", "legal_reviewer:ZELTRA")
		v1author, submitter := f.login(t, "v1author@example.com"), f.login(t, "submitter@example.com")
		decode[domain.Version](t, f.upload(t, v1author, f.asset.ID, "v1.txt", []byte(compliantPiece+"First draft.\n")), http.StatusCreated)
		f.version = decode[domain.Version](t, f.upload(t, f.marketer, f.asset.ID, "v2.txt", []byte(compliantPiece)), http.StatusCreated)
		decode[domain.ReviewRound](
			t,
			f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/submit", submitter, nil),
			http.StatusCreated,
		)
		f.clearErrors(t, f.version.ID)
		for _, tok := range []string{v1author, submitter} {
			if q := decode[struct{ Reviews []domain.ReviewTask }](t, f.api(t, http.MethodGet, "/api/v1/reviews", tok, nil),
				http.StatusOK); len(
				q.Reviews,
			) != 0 {
				t.Fatalf("task in a refused reviewer's queue: %+v", q.Reviews)
			}
		}
		d := decodeError(t, f.decide(v1author, "medical", "approve"), http.StatusForbidden, "forbidden")
		if !strings.Contains(d.Message, "uploaded a version") {
			t.Fatalf("message = %q", d.Message)
		}
		d = decodeError(t, f.decide(submitter, "legal", "approve"), http.StatusForbidden, "forbidden")
		if !strings.Contains(d.Message, "submitted this version") {
			t.Fatalf("message = %q", d.Message)
		}
		if got := strings.Join(f.refusals(t), ","); got != "review.decide:medical,review.decide:legal" {
			t.Fatalf("audited refusals = %q", got)
		}
		// Independent reviewers still approve.
		decode[domain.DecisionResult](t, f.decide(f.medical, "medical", "approve"), http.StatusOK)
		decode[domain.DecisionResult](t, f.decide(f.legal, "legal", "approve"), http.StatusOK)
	})
}

// TestNoOneGrantsRolesToThemselves: an administrator may not make itself a
// reviewer, through the API or the web form; the attempts are audited, and
// another administrator may still grant the role.
func TestNoOneGrantsRolesToThemselves(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addBrand(t, "ZELTRA")
	me := ts.addUser(t, "admin@example.com", "admin")
	ts.addUser(t, "admin2@example.com", "admin")
	admin, admin2 := ts.login(t, "admin@example.com"), ts.login(t, "admin2@example.com")
	grant := map[string]any{"roles": []map[string]string{{"role": "admin", "brand": "*"}, {"role": "medical_reviewer", "brand": "ZELTRA"}}}
	d := decodeError(t, ts.api(t, http.MethodPut, "/api/v1/users/"+me.ID+"/roles", admin, grant), http.StatusForbidden, "forbidden")
	if !strings.Contains(d.Message, "grant roles to yourself") {
		t.Fatalf("message = %q", d.Message)
	}
	decodeError(t, ts.api(t, http.MethodGet, "/api/v1/reviews", admin, nil), http.StatusForbidden, "forbidden")

	w := webSignIn(t, ts, "admin@example.com")
	tok := w.csrf(t, "/admin/users/"+me.ID)
	rec := w.do(
		t,
		http.MethodPost,
		"/admin/users/"+me.ID,
		url.Values{"_csrf": {tok}, "display_name": {"Renamed Admin"}, "roles": {"admin\nlegal_reviewer:ZELTRA"}},
	)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "grant roles to yourself") {
		t.Fatalf("web self-grant = %d %s", rec.Code, rec.Body)
	}
	if u, _ := ts.store.User(context.Background(), me.ID); u.DisplayName != "admin Person" {
		t.Fatalf("a refused form saved part of its changes: %+v", u)
	}
	// Saving one's own roles unchanged is fine.
	rec = w.do(t, http.MethodPost, "/admin/users/"+me.ID, url.Values{"_csrf": {tok}, "display_name": {"admin Person"}, "roles": {"admin"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("unchanged save = %d %s", rec.Code, rec.Body)
	}
	u, err := ts.store.User(context.Background(), me.ID)
	if err != nil || len(u.Roles) != 1 || u.Roles[0].Role != domain.RoleAdmin {
		t.Fatalf("roles after refusals = %+v, %v", u.Roles, err)
	}
	var refused int
	for _, e := range ts.auditActions(t) {
		if e.Action == domain.ActionRolesRefused && e.ActorID == me.ID && e.ObjectID == me.ID {
			refused++
		}
	}
	if refused != 2 {
		t.Fatalf("%d refusals audited, want 2", refused)
	}
	// Another administrator's grant stands.
	decode[domain.User](t, ts.api(t, http.MethodPut, "/api/v1/users/"+me.ID+"/roles", admin2, grant), http.StatusOK)
}

// labelBody is a label as a PUT body, with an optional signing password.
func labelBody(t *testing.T, l domain.Label, password string) map[string]any {
	t.Helper()
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if password != "" {
		m["password"] = password
	}
	return m
}

// TestOnlyAdministratorsChangeReviewFunctions: a regulatory reviewer may
// not cut the required functions down to its own and approve alone, nor
// change the SLA; an administrator may, signing with its password; a round
// already open keeps all its tasks.
func TestOnlyAdministratorsChangeReviewFunctions(t *testing.T) {
	f := newReviewFixture(t)
	l := decode[domain.Label](t, f.api(t, http.MethodGet, "/api/v1/brands/ZELTRA/label", f.regulatory, nil), http.StatusOK)
	regOnly := l
	regOnly.RequiredFunctions = []string{"regulatory"}
	d := decodeError(
		t,
		f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", f.regulatory, labelBody(t, regOnly, testPassword)),
		http.StatusForbidden,
		"forbidden",
	)
	if !strings.Contains(d.Message, "Only an administrator") {
		t.Fatalf("message = %q", d.Message)
	}
	slower := l
	slower.ReviewSLADays = 60
	decodeError(
		t,
		f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", f.regulatory, labelBody(t, slower, "")),
		http.StatusForbidden,
		"forbidden",
	)
	// Other label text stays theirs to change.
	text := l
	text.Indication = "Treatment of adults with condition X or Y."
	decode[domain.Label](t, f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", f.regulatory, labelBody(t, text, "")), http.StatusOK)

	round := decode[domain.ReviewRound](
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/submit", f.marketer, nil),
		http.StatusCreated,
	)
	if len(round.Tasks) != 3 {
		t.Fatalf("round = %+v", round)
	}
	regOnly.Indication = text.Indication
	d = decodeError(
		t,
		f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", f.admin, labelBody(t, regOnly, "")),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	if d.Fields["password"] == "" {
		t.Fatalf("fields = %v", d.Fields)
	}
	decodeError(
		t,
		f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", f.admin, labelBody(t, regOnly, "not my password")),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	saved := decode[domain.Label](
		t,
		f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", f.admin, labelBody(t, regOnly, testPassword)),
		http.StatusOK,
	)
	if len(saved.RequiredFunctions) != 1 {
		t.Fatalf("saved = %+v", saved)
	}
	// A reviewer's later label edit that leaves the review policy out keeps
	// the administrator's policy instead of resetting it to the defaults.
	edit := labelBody(t, saved, "")
	delete(edit, "required_functions")
	delete(edit, "review_sla_days")
	edit["indication"] = "Treatment of adults with condition X, Y or Z."
	kept := decode[domain.Label](t, f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", f.regulatory, edit), http.StatusOK)
	if !slices.Equal(kept.RequiredFunctions, saved.RequiredFunctions) || kept.ReviewSLADays != saved.ReviewSLADays {
		t.Fatalf("a label edit without the review policy changed it: %+v", kept)
	}
	// The open round still needs all three functions.
	f.clearErrors(t, f.version.ID)
	if res := decode[domain.DecisionResult](t, f.decide(f.regulatory, "regulatory", "approve"),
		http.StatusOK); res.VersionState != domain.StateInReview {
		t.Fatalf("regulatory alone approved an open round: %+v", res)
	}
	var refused, signedChanges int
	for _, e := range f.auditActions(t) {
		var det map[string]any
		_ = json.Unmarshal([]byte(e.Details), &det)
		switch {
		case e.Action == domain.ActionReviewPolicyRefused:
			refused++
		case e.Action == "brand.label_update" && det["review_policy_changed"] == true:
			if det["signature_id"] == nil || det["printed_name"] != "admin Person" {
				t.Fatalf("unsigned review policy change: %s", e.Details)
			}
			signedChanges++
		}
	}
	if refused != 2 || signedChanges != 1 {
		t.Fatalf("audit: %d refusals, %d signed changes", refused, signedChanges)
	}
}

// TestPasswordResetMustBeChanged: an administrator who resets a reviewer's
// password and signs in as them can do nothing but change the password;
// no signature is accepted until the owner chose their own password.
func TestPasswordResetMustBeChanged(t *testing.T) {
	f := newReviewFixture(t)
	f.submitClean(t)
	ctx := context.Background()
	creds, err := f.store.CredentialsByEmail(ctx, "medical@example.com")
	if err != nil {
		t.Fatal(err)
	}
	const reset = "an admin chosen password"
	u := decode[domain.User](
		t,
		f.api(t, http.MethodPatch, "/api/v1/users/"+creds.User.ID, f.admin, map[string]any{"password": reset}),
		http.StatusOK,
	)
	if !u.PasswordChangeRequired {
		t.Fatalf("reset user = %+v", u)
	}
	rec := f.apiLogin(t, map[string]string{"email": "medical@example.com", "password": reset})
	lr := decode[loginResponse](t, rec, http.StatusOK)
	if !lr.User.PasswordChangeRequired {
		t.Fatalf("login = %+v", lr.User)
	}
	tok := lr.Token
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/reviews", tok, nil), http.StatusForbidden, "password_change_required")
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/me", tok, nil), http.StatusForbidden, "password_change_required")
	decodeError(t, f.postReview(t, tok, map[string]any{
		"function": "medical", "decision": "approve", "comment": "ok", "password": reset, "meaning": "Approved"}),
		http.StatusForbidden, "password_change_required")
	// No path to a signature skips the rule: the store refuses it too.
	_, err = f.store.Decide(
		ctx,
		domain.Actor{UserID: creds.User.ID, Name: creds.User.DisplayName},
		domain.Decision{VersionID: f.version.ID, Function: "medical", Decision: "approve",
			Signature: &domain.NewSignature{UserID: creds.User.ID, PrintedName: creds.User.DisplayName, Meaning: "Approved"}},
	)
	if domain.ErrorCode(err) != domain.EPWCHANGE {
		t.Fatalf("store signature with a reset password: %v", err)
	}
	// The browser is sent to the change-password page.
	w := newWebClient(f.testServer)
	csrf := w.csrf(t, "/login")
	w.do(t, http.MethodPost, "/login", url.Values{"_csrf": {csrf}, "email": {"medical@example.com"}, "password": {reset}})
	if rec := w.do(t, http.MethodGet, "/reviews", nil); rec.Code != http.StatusSeeOther ||
		rec.Header().Get("Location") != "/account/password" {
		t.Fatalf("reviews page = %d %s", rec.Code, rec.Header().Get("Location"))
	}
	page := w.do(t, http.MethodGet, "/account/password", nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), "set by an administrator") {
		t.Fatalf("change-password page = %d", page.Code)
	}
	csrf = w.csrf(t, "/account/password")
	if rec := w.do(t, http.MethodPost, "/account/password", url.Values{"_csrf": {csrf}, "current_password": {reset},
		"new_password": {"short"}}); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("weak new password = %d", rec.Code)
	}
	if rec := w.do(t, http.MethodPost, "/account/password", url.Values{"_csrf": {csrf}, "current_password": {reset},
		"new_password": {"my very own password"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("change = %d %s", rec.Code, rec.Body)
	}
	// Changed by its owner, the password signs again.
	tok = decode[loginResponse](
		t,
		f.apiLogin(t, map[string]string{"email": "medical@example.com", "password": "my very own password"}),
		http.StatusOK,
	).Token
	decode[domain.DecisionResult](t, f.postReview(t, tok, map[string]any{
		"function": "medical", "decision": "approve", "comment": "ok", "password": "my very own password", "meaning": "Approved"}),
		http.StatusOK)
}

// An account an administrator creates starts with a password the
// administrator chose, so its owner must change it before anything else,
// exactly as after a reset.
func TestCreatedAccountMustChangeItsPassword(t *testing.T) {
	f := newReviewFixture(t)
	const first = "an admin chosen password"
	u := decode[domain.User](t, f.api(t, http.MethodPost, "/api/v1/users", f.admin, map[string]any{
		"email": "new.reviewer@example.com", "display_name": "New Reviewer", "password": first,
		"roles": []map[string]string{{"role": "medical_reviewer", "brand": "ZELTRA"}}}), http.StatusCreated)
	if !u.PasswordChangeRequired {
		t.Fatalf("created user = %+v", u)
	}
	lr := decode[loginResponse](t, f.apiLogin(t, map[string]string{"email": "new.reviewer@example.com", "password": first}), http.StatusOK)
	if !lr.User.PasswordChangeRequired {
		t.Fatalf("login = %+v", lr.User)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/reviews", lr.Token, nil), http.StatusForbidden, "password_change_required")
}
