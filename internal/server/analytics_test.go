package server

import (
	"html"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func TestAnalytics(t *testing.T) {
	forEachBackend(t, analytics)
}

func analytics(t *testing.T, backend string) {
	f := newApprovedFixtureOn(t, backend)
	f.publishFor(t, 20*24*time.Hour)
	f.repContent(t, f.asset.ID)
	f.repContent(t, f.asset.ID)
	decode[domain.Feedback](
		t,
		f.api(t, http.MethodPost, "/api/v1/assets/"+f.asset.ID+"/feedback", f.rep, map[string]any{"kind": "question", "text": "Dosing?"}),
		http.StatusCreated,
	)

	u := decode[struct{ Rows []domain.UsageRow }](
		t,
		f.api(t, http.MethodGet, "/api/v1/analytics/utilization?by=asset", f.marketer, nil),
		http.StatusOK,
	)
	if len(u.Rows) != 1 || u.Rows[0].Downloads != 2 || u.Rows[0].Reps != 1 || u.Rows[0].Label != "ZEL-REV-1" {
		t.Fatalf("utilization = %+v", u.Rows)
	}
	if u := decode[struct{ Rows []domain.UsageRow }](t, f.api(t, http.MethodGet, "/api/v1/analytics/utilization?by=rep", f.marketer,
		nil), http.StatusOK); len(
		u.Rows,
	) != 1 ||
		u.Rows[0].Label != "rep Person" {
		t.Fatalf("by rep = %+v", u.Rows)
	}
	if fb := decode[struct{ Rows []domain.CountRow }](t, f.api(t, http.MethodGet, "/api/v1/analytics/feedback", f.marketer, nil),
		http.StatusOK); len(
		fb.Rows,
	) != 1 ||
		fb.Rows[0].Key != "question" {
		t.Fatalf("feedback = %+v", fb.Rows)
	}
	cyc := decode[struct{ Stats domain.ReviewStats }](
		t,
		f.api(t, http.MethodGet, "/api/v1/analytics/review-cycle", f.marketer, nil),
		http.StatusOK,
	)
	if cyc.Stats.Approved != 1 || cyc.Stats.FirstPassRate != 1 {
		t.Fatalf("review cycle = %+v", cyc.Stats)
	}
	if b := decode[struct{ Rows []domain.CountRow }](t, f.api(t, http.MethodGet, "/api/v1/analytics/expiry-backlog", f.marketer,
		nil), http.StatusOK); b.Rows[0].Count != 1 {
		t.Fatalf("backlog = %+v", b.Rows)
	}
	decode[struct{ Rows []domain.CountRow }](t, f.api(t, http.MethodGet, "/api/v1/analytics/findings", f.marketer, nil), http.StatusOK)
	if un := decode[struct{ Rows []domain.UnusedRow }](t, f.api(t, http.MethodGet, "/api/v1/analytics/unused", f.marketer, nil),
		http.StatusOK); len(
		un.Rows,
	) != 0 {
		t.Fatalf("used piece listed as unused: %+v", un.Rows)
	}
	rec := f.api(t, http.MethodGet, "/api/v1/analytics/utilization?format=csv", f.marketer, nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "key,label,downloads,reps\n") ||
		!strings.Contains(rec.Body.String(), "ZEL-REV-1,2,1") {
		t.Fatalf("csv = %d %q", rec.Code, rec.Body)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/analytics/utilization", f.rep, nil), http.StatusForbidden, "forbidden")
	decodeError(
		t,
		f.api(t, http.MethodGet, "/api/v1/analytics/utilization?by=planet&days=0", f.marketer, nil),
		http.StatusUnprocessableEntity,
		"invalid",
	)

	// The audit trail of one asset covers its versions too.
	f.addUser(t, "auditor@example.com", "auditor")
	events := decode[struct{ Events []domain.AuditEvent }](
		t,
		f.api(t, http.MethodGet, "/api/v1/audit?asset_id="+f.asset.ID+"&limit=1000", f.login(t, "auditor@example.com"), nil),
		http.StatusOK,
	)
	actions := map[string]bool{}
	for _, e := range events.Events {
		actions[e.Action] = true
	}
	for _, want := range []string{"asset.create", "version.upload", "version.submit", "review.decide", "version.publish",
		"library.download"} {
		if !actions[want] {
			t.Errorf("audit of the asset lacks %s: %v", want, actions)
		}
	}
	w := webSignIn(t, f.testServer, "marketer@example.com")
	page := w.do(t, http.MethodGet, "/analytics", nil)
	if page.Code != http.StatusOK || strings.Count(page.Body.String(), "<svg") != 4 ||
		!strings.Contains(page.Body.String(), "First-pass approval rate") {
		t.Fatalf("dashboard = %d", page.Code)
	}
}

// TestChartLabel checks that long chart labels are cut between characters,
// whatever their script: a cut inside a UTF-8 sequence would put invalid
// text into the page's SVG.
func TestChartLabel(t *testing.T) {
	for _, tc := range []struct{ label, want string }{
		// 18 characters in 35 bytes: not cut.
		{"Σοφία Παπαδοπούλου", "Σοφία Παπαδοπούλου"},
		{"Σοφία Παπαδοπούλου — Θεσσαλονίκη Βόρεια", "Σοφία Παπαδοπούλου — Θεσσαλ…"},
		{"東京都中央区日本橋室町二丁目一番一号日本橋三井タワー十八階", "東京都中央区日本橋室町二丁目一番一号日本橋三井タワー十…"},
		// An emoji joined by a zero-width joiner, or with a skin tone, is
		// dropped whole.
		{"Rep of the month, Dr. Ana 👩\u200d⚕️ Lima", "Rep of the month, Dr. Ana …"},
		{"Rep of the month: Dr. Ana 👋🏽 Lima", "Rep of the month: Dr. Ana …"},
		// A combining accent stays on its letter.
		{"Rep of the month 2026: Cafe\u0301 Lima", "Rep of the month 2026: Caf…"},
		{strings.Repeat("a", 28), strings.Repeat("a", 28)},
		{strings.Repeat("a", 29), strings.Repeat("a", 27) + "…"},
	} {
		got := chartLabel(tc.label)
		if got != tc.want {
			t.Errorf("chartLabel(%q) = %q, want %q", tc.label, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); !utf8.ValidString(got) || n > maxLabel {
			t.Errorf("chartLabel(%q) = %q: valid UTF-8 %v, %d characters", tc.label, got, utf8.ValidString(got), n)
		}
		if got != tc.label && !strings.HasSuffix(got, "…") {
			t.Errorf("chartLabel(%q) = %q: cut without an ellipsis", tc.label, got)
		}
		svg := string(barChart("Downloads by rep", []string{tc.label}, []int64{3}))
		if !utf8.ValidString(svg) || !strings.Contains(svg, ">"+html.EscapeString(tc.want)+"</text>") {
			t.Errorf("chart for %q: valid UTF-8 %v, want the label %q in\n%s", tc.label, utf8.ValidString(svg), tc.want, svg)
		}
	}
}
