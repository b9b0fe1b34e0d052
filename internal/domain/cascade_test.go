package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLabelCascade(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	day := 24 * time.Hour
	for _, tc := range []struct {
		name      string
		state     State
		expiresAt *time.Time
		passes    bool
		grace     int
		rechecks  bool
		want      CascadeOutcome
	}{
		{"draft passing", StateDraft, nil, true, 30, true, CascadeOutcome{}},
		{"draft failing", StateDraft, nil, false, 30, true, CascadeOutcome{}},
		{"in review failing keeps its round", StateInReview, nil, false, 30, true, CascadeOutcome{}},
		{"changes requested", StateChangesRequested, nil, false, 30, true, CascadeOutcome{}},
		{"rejected", StateRejected, nil, true, 30, true, CascadeOutcome{}},
		{"approved passing goes back to review", StateApproved, nil, true, 30, true, CascadeOutcome{BackToReview: true}},
		{"approved failing goes back to review", StateApproved, nil, false, 30, true, CascadeOutcome{BackToReview: true}},
		{"published passing stays", StatePublished, at(90 * day), true, 30, true, CascadeOutcome{}},
		{"published failing is flagged with a grace expiry", StatePublished, at(90 * day), false, 30, true,
			CascadeOutcome{Flag: true, ExpiresAt: at(30 * day)}},
		{"published failing expiring before the grace keeps its expiry", StatePublished, at(10 * day), false, 30, true,
			CascadeOutcome{Flag: true}},
		{"published failing with no grace keeps its expiry", StatePublished, at(90 * day), false, 0, true, CascadeOutcome{Flag: true}},
		{"published past its expiry counts as expired", StatePublished, at(-time.Second), false, 30, false, CascadeOutcome{}},
		{"published at its expiry counts as expired", StatePublished, at(0), false, 30, false, CascadeOutcome{}},
		{"expired", StateExpired, at(-day), false, 30, false, CascadeOutcome{}},
		{"withdrawn", StateWithdrawn, at(day), false, 30, false, CascadeOutcome{}},
		{"superseded", StateSuperseded, at(day), false, 30, false, CascadeOutcome{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := CascadeVersion{State: tc.state, ExpiresAt: tc.expiresAt}
			if got := CascadeRechecks(v, now); got != tc.rechecks {
				t.Fatalf("CascadeRechecks = %v, want %v", got, tc.rechecks)
			}
			if !tc.rechecks {
				return
			}
			got := LabelCascade(v, tc.passes, tc.grace, now)
			if got.BackToReview != tc.want.BackToReview || got.Flag != tc.want.Flag ||
				(got.ExpiresAt == nil) != (tc.want.ExpiresAt == nil) || (got.ExpiresAt != nil && !got.ExpiresAt.Equal(*tc.want.ExpiresAt)) {
				t.Fatalf("LabelCascade = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCheckReportCurrent(t *testing.T) {
	passing := CheckReport{LabelVersion: 4, Findings: []Finding{{Severity: SeverityWarning}}}
	failing := CheckReport{LabelVersion: 4, Findings: []Finding{{Severity: SeverityError}}}
	waived := CheckReport{LabelVersion: 4, Findings: []Finding{{Severity: SeverityError, Waiver: &Waiver{}}}}
	stale := CheckReport{LabelVersion: 2}
	for _, tc := range []struct {
		name    string
		r       CheckReport
		changed []string
		want    string // "" for allowed, else a part of the message
	}{
		{"current and passing", passing, nil, ""},
		{"current with a waived error", waived, nil, ""},
		{"current with an unwaived error", failing, nil, "unwaived error findings"},
		{"stale names the change", stale, []string{"ISI statements"},
			"The Acme label changed to version 4 (ISI statements) after this piece was checked against version 2"},
		{"stale without a profile change", stale, nil,
			"The Acme label changed to version 4 after this piece was checked against version 2"},
	} {
		err := CheckReportCurrent(tc.r, "Acme", 4, tc.changed)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: refused: %v", tc.name, err)
			}
			continue
		}
		if ErrorCode(err) != ECONFLICT || !strings.Contains(ErrorMessage(err), tc.want) {
			t.Errorf("%s: err = %v, want ECONFLICT containing %q", tc.name, err, tc.want)
		}
	}
}

// acmeLabel is a minimal valid, normalized label.
func acmeLabel() Label {
	l := Label{
		ProprietaryName: "ACME",
		EstablishedName: "acmezumab",
		Indication:      "Adults.",
		ISIStatements:   []string{"Falls."},
		PIReference:     "See PI.",
	}
	l.Normalize()
	return l
}

func TestLabelDifferences(t *testing.T) {
	base := acmeLabel()
	if got := LabelDifferences(base, base); got != nil {
		t.Fatalf("identical labels differ in %v", got)
	}
	next := base
	next.ISIStatements = []string{"Falls.", "Liver injury."}
	next.BoxedWarning = true
	next.OffLabelTerms = []string{"children"}
	next.Indication = "Adults with X."
	zero := 0
	next.RereviewGraceDays = &zero
	want := []string{"indication", "ISI statements", "boxed warning", "off-label terms", "re-review grace"}
	if got := LabelDifferences(base, next); !slices.Equal(got, want) {
		t.Fatalf("LabelDifferences = %v, want %v", got, want)
	}
}

func TestRereviewGraceDays(t *testing.T) {
	l := acmeLabel()
	if l.GraceDays() != DefaultRereviewGraceDays || l.Validate() != nil {
		t.Fatalf("unset grace: %d, %v", l.GraceDays(), l.Validate())
	}
	for days, ok := range map[int]bool{0: true, 365: true, -1: false, 366: false} {
		l.RereviewGraceDays = &days
		l.Normalize()
		if err := l.Validate(); (err == nil) != ok || l.GraceDays() != days {
			t.Errorf("grace %d: %v", days, err)
		}
	}
}
