package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// recheck is the real fair-balance checker, as the server passes it.
var recheck Recheck = checker.Recheck

// compliantText is a detail aid that passes testBrand's label: benefit,
// established name, ISI and PI reference.
var compliantText = []string{
	"ZELTRA (zeltaparin) is indicated for the treatment of adults with condition X.",
	"Also studied in adolescents.",
	"Important Safety Information",
	"Serious bleeding can occur.",
	"Please see full Prescribing Information.",
}

// cascadeStore opens a store with a fake clock and the webhook outbox on
// one backend, with the ZELTRA brand of testBrand.
func cascadeStore(t *testing.T, backend string) (*Store, *clock) {
	t.Helper()
	c := &clock{t: c0()}
	opts := Options{Now: c.Now, Outbox: true, SQLitePath: filepath.Join(t.TempDir(), "f.db")}
	if backend == "postgres" {
		opts.DatabaseURL = testenv.PostgresURL(t)
	}
	s := openTest(t, opts)
	if _, err := s.CreateBrand(context.Background(), testActor, testBrand("ZELTRA")); err != nil {
		t.Fatal(err)
	}
	return s, c
}

// eachBackend runs fn on SQLite and PostgreSQL with cascadeStore.
func eachBackend(t *testing.T, fn func(t *testing.T, s *Store, c *clock)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s, c := cascadeStore(t, backend)
			fn(t, s, c)
		})
	}
}

// checkedPiece uploads a detail aid with text lines to a new ZELTRA asset
// and stores its checker report against the current label. It returns the
// version ID and the author.
func checkedPiece(t *testing.T, s *Store, job string, lines []string) (string, domain.Actor) {
	t.Helper()
	ctx := context.Background()
	u := mustUser(t, s, "author-"+strings.ToLower(job)+"@example.com")
	author := domain.Actor{UserID: u.ID, Name: u.DisplayName}
	assetID := newTestAsset(t, s, author,
		domain.NewAsset{JobCode: job, Title: "Piece " + job, Brand: "ZELTRA", Audience: "hcp", Channel: "detail_aid"})
	var text []domain.TextLine
	for i, l := range lines {
		text = append(text, domain.TextLine{Page: 1, Line: i + 1, Text: l})
	}
	tl, _ := json.Marshal(text)
	v, err := s.CreateVersion(
		ctx,
		author,
		domain.Version{AssetID: assetID, MediaType: "text/plain", Filename: "a.txt", TextStatus: domain.TextOK},
		domain.StoredObject{Key: "objects/cc/dd/" + job, SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(job))), Size: 1},
		true,
		strings.Join(lines, "\n"),
		tl,
	)
	if err != nil {
		t.Fatal(err)
	}
	cin, err := s.CheckInput(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := recheck(cin, s.now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveReport(ctx, author, r); err != nil {
		t.Fatal(err)
	}
	return v.ID, author
}

// submitPiece sends a checked piece to review with its newest report.
func submitPiece(t *testing.T, s *Store, versionID string, author domain.Actor) {
	t.Helper()
	r, err := s.LatestReport(context.Background(), versionID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitVersion(context.Background(), author, versionID, r.ID, domain.ReviewFunctions, nil,
		s.now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// decideAll has one new reviewer per function approve the open round of a
// version, stopping at the first refusal, which it returns.
func decideAll(t *testing.T, s *Store, versionID, tag string, functions []string) error {
	t.Helper()
	return approveAs(s, versionID, newReviewers(t, s, versionID, tag, functions))
}

// newReviewers creates one reviewer per function.
func newReviewers(t *testing.T, s *Store, versionID, tag string, functions []string) map[string]domain.Actor {
	t.Helper()
	out := map[string]domain.Actor{}
	for _, f := range functions {
		u := mustUser(t, s, fmt.Sprintf("%s-%s-%s@example.com", f, tag, versionID))
		out[f] = domain.Actor{UserID: u.ID, Name: u.DisplayName}
	}
	return out
}

// approveAs has each reviewer approve for their function, in sign-off
// order, stopping at the first refusal, which it returns.
func approveAs(s *Store, versionID string, reviewers map[string]domain.Actor) error {
	for _, f := range domain.ReviewFunctions {
		r, ok := reviewers[f]
		if !ok {
			continue
		}
		if _, err := s.Decide(context.Background(), r,
			domain.Decision{VersionID: versionID, Function: f, Decision: domain.DecisionApprove, Signature: sig(r)}); err != nil {
			return err
		}
	}
	return nil
}

// piecesInEveryState makes a draft, an approved and a published (expiring
// in 90 days) compliant piece.
func piecesInEveryState(t *testing.T, s *Store, c *clock) (draft, approvedID, published string) {
	t.Helper()
	draft, _ = checkedPiece(t, s, "ZEL-D", compliantText)
	approvedID, author := checkedPiece(t, s, "ZEL-A", compliantText)
	submitPiece(t, s, approvedID, author)
	if err := decideAll(t, s, approvedID, "a", domain.ReviewFunctions); err != nil {
		t.Fatal(err)
	}
	published, author = checkedPiece(t, s, "ZEL-P", compliantText)
	submitPiece(t, s, published, author)
	if err := decideAll(t, s, published, "p", domain.ReviewFunctions); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(context.Background(), testActor,
		domain.PublishRequest{VersionID: published, ExpiresAt: c.Now().AddDate(0, 0, 90)}); err != nil {
		t.Fatal(err)
	}
	return draft, approvedID, published
}

// changeLabel saves the ZELTRA label as edit changes it.
func changeLabel(t *testing.T, s *Store, edit func(l *domain.Label)) domain.Label {
	t.Helper()
	b, err := s.Brand(context.Background(), "ZELTRA")
	if err != nil {
		t.Fatal(err)
	}
	l := b.Label
	edit(&l)
	l.Normalize()
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	out, err := s.SaveLabel(context.Background(), testActor, "ZELTRA", l, domain.LabelAuthority{}, recheck)
	if err != nil {
		t.Fatal(err)
	}
	return out.Label
}

// versionFacts is what the cascade writes on a version.
type versionFacts struct {
	State            domain.State
	RereviewRequired bool
	ExpiresAt        *time.Time
}

func facts(t *testing.T, s *Store, versionID string) versionFacts {
	t.Helper()
	var f versionFacts
	if err := s.db.Model(&versionRow{}).Select("state, rereview_required, expires_at").Where("id = ?", versionID).
		Scan(&f).Error; err != nil {
		t.Fatal(err)
	}
	return f
}

func latest(t *testing.T, s *Store, versionID string) domain.CheckReport {
	t.Helper()
	r, err := s.LatestReport(context.Background(), versionID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// hasRule reports whether r has an unwaived error finding of rule.
func hasRule(r domain.CheckReport, rule string) bool {
	for _, f := range r.Findings {
		if f.RuleID == rule && f.Severity == domain.SeverityError && f.Waiver == nil {
			return true
		}
	}
	return false
}

// auditOf returns the audit events of action about objectID, oldest first.
func auditOf(t *testing.T, s *Store, action, objectID string) []map[string]any {
	t.Helper()
	var rows []struct{ Details string }
	if err := s.db.Table("audit_events").Select("details").Where("action = ? AND object_id = ?", action, objectID).Order("seq").
		Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal([]byte(r.Details), &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// openRoundOf returns the open review round of a version, if any.
func openRoundOf(t *testing.T, s *Store, versionID string) (roundRow, int64) {
	t.Helper()
	var r roundRow
	var n int64
	if err := s.db.Model(&roundRow{}).Where("version_id = ? AND status = ?", versionID, "open").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		if err := s.db.Where("version_id = ? AND status = ?", versionID, "open").Take(&r).Error; err != nil {
			t.Fatal(err)
		}
	}
	return r, n
}

// TestEveryKindOfLabelChangeCascades changes one part of the label at a
// time: each change re-checks the draft and the published piece against
// the new label version in the same transaction, and the published piece
// is flagged exactly when the new label makes it fail.
func TestEveryKindOfLabelChangeCascades(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, s *Store)
		rule   string // the rule the published piece now fails; "" when it passes
	}{
		{"ISI statement added", func(t *testing.T, s *Store) {
			changeLabel(t, s, func(l *domain.Label) { l.ISIStatements = append(l.ISIStatements, "Liver injury has been reported.") })
		}, "FB-ISI-MISSING"},
		{"indication changed", func(t *testing.T, s *Store) {
			changeLabel(t, s, func(l *domain.Label) { l.Indication = "Treatment of adults with condition X or Y." })
		}, ""},
		{"boxed warning added", func(t *testing.T, s *Store) {
			changeLabel(t, s, func(l *domain.Label) { l.BoxedWarning = true })
		}, "FB-BOXED-WARNING-MISSING"},
		{"off-label term added", func(t *testing.T, s *Store) {
			changeLabel(t, s, func(l *domain.Label) { l.OffLabelTerms = append(l.OffLabelTerms, "adolescents") })
		}, "FB-OFF-LABEL"},
		{"claim added", func(t *testing.T, s *Store) {
			if _, err := s.CreateClaim(context.Background(), testActor, "ZELTRA",
				domain.NewClaim{Text: "ZELTRA reduced events by 40%.", Category: "efficacy", References: []string{"Study 1"}},
				recheck); err != nil {
				t.Fatal(err)
			}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, s *Store, c *clock) {
				draft, _ := checkedPiece(t, s, "ZEL-D", compliantText)
				published, author := checkedPiece(t, s, "ZEL-P", compliantText)
				submitPiece(t, s, published, author)
				if err := decideAll(t, s, published, "p", domain.ReviewFunctions); err != nil {
					t.Fatal(err)
				}
				expires := c.Now().AddDate(0, 0, 90)
				if _, err := s.Publish(context.Background(), testActor,
					domain.PublishRequest{VersionID: published, ExpiresAt: expires}); err != nil {
					t.Fatal(err)
				}
				if r := latest(t, s, published); !r.Passed {
					t.Fatalf("the piece fails before the change: %+v", r.Findings)
				}
				c.Set(c.Now().Add(time.Hour))
				tc.change(t, s)

				b, _ := s.Brand(context.Background(), "ZELTRA")
				if b.Label.Version != 2 {
					t.Fatalf("label version %d after the change, want 2", b.Label.Version)
				}
				for _, id := range []string{draft, published} {
					if r := latest(t, s, id); r.LabelVersion != 2 || !r.CheckedAt.Equal(c.Now()) {
						t.Fatalf(
							"newest report of %s: label version %d at %v, want a new one against version 2",
							id,
							r.LabelVersion,
							r.CheckedAt,
						)
					}
				}
				r, f := latest(t, s, published), facts(t, s, published)
				if tc.rule == "" {
					if !r.Passed || f.RereviewRequired || !f.ExpiresAt.Equal(expires) {
						t.Fatalf("passing piece changed: %+v, %+v", f, r.Findings)
					}
					return
				}
				if !hasRule(r, tc.rule) || !f.RereviewRequired {
					t.Fatalf("failing piece: flagged %v, findings %+v; want %s", f.RereviewRequired, r.Findings, tc.rule)
				}
				verifyIntact(t, s)
			})
		})
	}
}

// TestLabelChangeSendsApprovedPieceBackToReview: an approved piece not yet
// published goes back to in_review with a label_change round of the
// brand's required functions, due after the SLA, its reviewers notified,
// and can be approved again against the new label.
func TestLabelChangeSendsApprovedPieceBackToReview(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		reviewer := mustUser(t, s, "medical-reviewer@example.com", domain.RoleAssignment{Role: domain.RoleMedicalReviewer, Brand: "ZELTRA"})
		_, approvedID, _ := piecesInEveryState(t, s, c)
		before, _ := s.Notifications(ctx, reviewer.ID, 100)
		c.Set(c.Now().Add(time.Hour))
		l := changeLabel(t, s, func(l *domain.Label) { l.Indication = "Treatment of adults with condition X or Y." })

		if f := facts(t, s, approvedID); f.State != domain.StateInReview {
			t.Fatalf("approved piece is %s after the label change, want in_review", f.State)
		}
		round, n := openRoundOf(t, s, approvedID)
		if n != 1 || round.Kind != domain.RoundLabelChange || !round.DueAt.Equal(c.Now().AddDate(0, 0, l.ReviewSLADays)) {
			t.Fatalf("open rounds %d: %+v", n, round)
		}
		if rep := latest(t, s, approvedID); round.ReportID == nil || *round.ReportID != rep.ID || rep.LabelVersion != 2 {
			t.Fatalf("round report %v, newest report %+v", round.ReportID, rep)
		}
		var tasks int64
		s.db.Model(&taskRow{}).Where("round_id = ? AND status = ?", round.ID, domain.TaskOpen).Count(&tasks)
		if tasks != int64(len(l.RequiredFunctions)) {
			t.Fatalf("%d open tasks, want %d", tasks, len(l.RequiredFunctions))
		}
		if a := auditOf(t, s, "version.label_rereview", approvedID); len(a) != 1 {
			t.Fatalf("version.label_rereview audit events: %v", a)
		}
		if after, _ := s.Notifications(ctx, reviewer.ID, 100); len(after) != len(before)+1 {
			t.Fatalf("reviewer notifications %d -> %d", len(before), len(after))
		}
		if err := decideAll(t, s, approvedID, "again", domain.ReviewFunctions); err != nil {
			t.Fatal(err)
		}
		if f := facts(t, s, approvedID); f.State != domain.StateApproved {
			t.Fatalf("re-approved piece is %s", f.State)
		}
		verifyIntact(t, s)
	})
}

// TestFailingPublishedPieceIsFlaggedAndItsExpiryBroughtForward: a published
// piece that fails the new label stays in use, flagged, with a
// recertification round, its owner notified, and its expiry brought forward
// to the label's re-review grace, reported to webhooks and the change feed.
func TestFailingPublishedPieceIsFlaggedAndItsExpiryBroughtForward(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		_, _, published := piecesInEveryState(t, s, c)
		previous := facts(t, s, published).ExpiresAt
		owner := ownerOf(t, s, published)
		c.Set(c.Now().Add(time.Hour))
		changeLabel(t, s, func(l *domain.Label) {
			l.ISIStatements = append(l.ISIStatements, "Liver injury has been reported.")
			grace := 14
			l.RereviewGraceDays = &grace
		})

		deadline := c.Now().AddDate(0, 0, 14)
		f := facts(t, s, published)
		if f.State != domain.StatePublished || !f.RereviewRequired || !f.ExpiresAt.Equal(deadline) {
			t.Fatalf("after the label change: %+v, want published, flagged, expiring at %v", f, deadline)
		}
		round, n := openRoundOf(t, s, published)
		if n != 1 || round.Kind != "recertification" || round.SubmittedBy != owner {
			t.Fatalf("open rounds %d: %+v", n, round)
		}
		if a := auditOf(t, s, "version.rereview_required", published); len(a) != 1 {
			t.Fatalf("version.rereview_required audit events: %v", a)
		}
		changed := auditOf(t, s, domain.ActionExpiryChanged, published)
		if len(changed) != 1 || changed[0]["reason"] != "label_change" || changed[0]["label_version"] != float64(2) ||
			changed[0]["expires_at"] != deadline.Format(
				time.RFC3339,
			) || changed[0]["previous_expires_at"] != previous.UTC().Format(time.RFC3339) {
			t.Fatalf("version.expiry_changed audit events: %v", changed)
		}
		// The reps' feed reports the earlier expiry as an update.
		pv, err := s.Version(ctx, published)
		if err != nil {
			t.Fatal(err)
		}
		set, changes := replayFeed(t, s, []string{"ZELTRA"}, c.Now())
		if u := changes[len(changes)-1]; set[pv.AssetID] != published || u.Change != domain.ChangeUpdated ||
			u.Reason != domain.ReasonExpiryChanged ||
			u.ExpiresAt == nil ||
			!u.ExpiresAt.Equal(deadline) {
			t.Fatalf("feed = %+v, want the piece updated to expire at %v", changes, deadline)
		}
		if notes, _ := s.Notifications(ctx, owner, 100); len(notes) == 0 || notes[0].Kind != "rereview_required" {
			t.Fatalf("owner notifications: %+v", notes)
		}
		var payloads []string
		if err := s.db.Table("webhook_outbox").Where("event = ?", "version.updated").Pluck("payload", &payloads).Error; err != nil {
			t.Fatal(err)
		}
		updated := 0
		for _, p := range payloads {
			if strings.Contains(p, published) && strings.Contains(p, `"reason":"label_change"`) &&
				strings.Contains(p, deadline.Format(time.RFC3339)) {
				updated++
			}
		}
		if updated != 1 {
			t.Fatalf("version.updated events: %d of %q", updated, payloads)
		}
		verifyIntact(t, s)
	})
}

// TestNoGraceKeepsTheFlaggedPieceUntilItsOwnExpiry: with rereview_grace_days
// 0 the failing piece is flagged with a round but keeps its expiry.
func TestNoGraceKeepsTheFlaggedPieceUntilItsOwnExpiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, c *clock) {
		_, _, published := piecesInEveryState(t, s, c)
		expires := facts(t, s, published).ExpiresAt
		c.Set(c.Now().Add(time.Hour))
		changeLabel(t, s, func(l *domain.Label) {
			l.ISIStatements = append(l.ISIStatements, "Liver injury has been reported.")
			none := 0
			l.RereviewGraceDays = &none
		})
		f := facts(t, s, published)
		if !f.RereviewRequired || !f.ExpiresAt.Equal(*expires) {
			t.Fatalf("after the label change: %+v, want flagged and expiring at %v", f, expires)
		}
		if _, n := openRoundOf(t, s, published); n != 1 {
			t.Fatalf("%d open rounds, want a recertification round", n)
		}
		if a := auditOf(t, s, domain.ActionExpiryChanged, published); len(a) != 0 {
			t.Fatalf("expiry reported changed: %v", a)
		}
	})
}

// TestPassingPublishedPieceOnlyGetsANewReport: nothing but the report
// changes for a published piece that passes the new label.
func TestPassingPublishedPieceOnlyGetsANewReport(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, c *clock) {
		_, _, published := piecesInEveryState(t, s, c)
		before := facts(t, s, published)
		c.Set(c.Now().Add(time.Hour))
		changeLabel(t, s, func(l *domain.Label) { l.Indication = "Treatment of adults with condition X or Y." })
		if after := facts(t, s, published); after.State != before.State || after.RereviewRequired ||
			!after.ExpiresAt.Equal(*before.ExpiresAt) {
			t.Fatalf("before %+v, after %+v", before, after)
		}
		if r := latest(t, s, published); r.LabelVersion != 2 || !r.Passed {
			t.Fatalf("newest report: %+v", r)
		}
		if _, n := openRoundOf(t, s, published); n != 0 {
			t.Fatalf("%d open rounds", n)
		}
	})
}

// rowCounts counts the rows a refused approval or publication must leave
// alone.
func rowCounts(t *testing.T, s *Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"compliance_reports", "findings", "signatures", "audit_events", "notifications", "review_rounds",
		"webhook_outbox"} {
		var n int64
		if err := s.db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	var open int64
	if err := s.db.Model(&taskRow{}).Where("status = ?", domain.TaskOpen).Count(&open).Error; err != nil {
		t.Fatal(err)
	}
	out["open tasks"] = open
	return out
}

// staleReport stores a report against label version 1 as the version's
// newest, as a check that raced a label change would.
func staleReport(t *testing.T, s *Store, versionID string, findings []domain.Finding) {
	t.Helper()
	err := s.InTx(context.Background(), func(tx *Tx) error {
		_, err := tx.saveReport(
			testActor,
			domain.CheckReport{VersionID: versionID, Brand: "ZELTRA", LabelVersion: 1, RulesVersion: "test", Findings: findings},
		)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFinalApprovalNeedsACurrentPassingReport: the last approval is
// refused with 409 naming the label change while the newest report is
// against an older label, and with 409 while it fails; the refusal changes
// nothing.
func TestFinalApprovalNeedsACurrentPassingReport(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		versionID, author := checkedPiece(t, s, "ZEL-S", compliantText)
		submitPiece(t, s, versionID, author)
		if err := decideAll(t, s, versionID, "first", domain.ReviewFunctions[:2]); err != nil {
			t.Fatal(err)
		}
		changeLabel(t, s, func(l *domain.Label) { l.ISIStatements = append(l.ISIStatements, "Liver injury has been reported.") })
		staleReport(t, s, versionID, []domain.Finding{})

		last := newReviewers(t, s, versionID, "last", domain.ReviewFunctions[2:])
		before := rowCounts(t, s)
		refusedUnchanged(t, s, before, approveAs(s, versionID, last), "approval with a stale report",
			"The ZELTRA label changed to version 2 (ISI statements) after this piece was checked against version 1")
		if st := facts(t, s, versionID).State; st != domain.StateInReview {
			t.Fatalf("refused approval changed the state to %s", st)
		}

		// Checked again against the current label, the piece fails (the
		// new ISI statement is missing): refused as well.
		cin, _ := s.CheckInput(ctx, versionID)
		r, _ := recheck(cin, c.Now())
		if _, err := s.SaveReport(ctx, author, r); err != nil {
			t.Fatal(err)
		}
		before = rowCounts(t, s)
		refusedUnchanged(t, s, before, approveAs(s, versionID, last), "approval with a failing report", "unwaived error")
	})
}

// TestPublicationNeedsACurrentPassingReport: publication is refused the
// same way, and changes nothing.
func TestPublicationNeedsACurrentPassingReport(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		_, approvedID, _ := piecesInEveryState(t, s, c)
		// A label version with no profile change (a claim) and a report
		// that raced it.
		if _, err := s.CreateClaim(ctx, testActor, "ZELTRA",
			domain.NewClaim{Text: "ZELTRA works.", Category: "other", References: []string{"Study 1"}}, recheck); err != nil {
			t.Fatal(err)
		}
		if err := decideAll(t, s, approvedID, "again", domain.ReviewFunctions); err != nil {
			t.Fatal(err)
		}
		staleReport(t, s, approvedID, []domain.Finding{})
		before := rowCounts(t, s)
		_, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: approvedID, ExpiresAt: c.Now().AddDate(0, 1, 0)})
		refusedUnchanged(t, s, before, err, "publication with a stale report",
			"The ZELTRA label changed to version 2 after this piece was checked against version 1")
		if st := facts(t, s, approvedID).State; st != domain.StateApproved {
			t.Fatalf("refused publication changed the state to %s", st)
		}

		// A current report with an unwaived error.
		err = s.InTx(ctx, func(tx *Tx) error {
			_, err := tx.saveReport(
				testActor,
				domain.CheckReport{VersionID: approvedID, Brand: "ZELTRA", LabelVersion: 2, RulesVersion: "test",
					Findings: []domain.Finding{{RuleID: "FB-ABSOLUTE", Severity: domain.SeverityError, Message: "Absolute word."}}},
			)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		before = rowCounts(t, s)
		_, err = s.Publish(ctx, testActor, domain.PublishRequest{VersionID: approvedID, ExpiresAt: c.Now().AddDate(0, 1, 0)})
		refusedUnchanged(t, s, before, err, "publication with a failing report", "unwaived error")
	})
}

// refusedUnchanged fails t unless err is a conflict whose message contains
// msg and every counted table still has the row count it had before.
func refusedUnchanged(t *testing.T, s *Store, before map[string]int64, err error, what, msg string) {
	t.Helper()
	if domain.ErrorCode(err) != domain.ECONFLICT || !strings.Contains(domain.ErrorMessage(err), msg) {
		t.Fatalf("%s: %v", what, err)
	}
	if after := rowCounts(t, s); fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("refused %s changed rows: %v -> %v", what, before, after)
	}
}

// ownerOf returns the owner of a version's asset.
func ownerOf(t *testing.T, s *Store, versionID string) string {
	t.Helper()
	var owner string
	if err := s.db.Table("assets").Select("assets.owner_id").Joins("JOIN versions ON versions.asset_id = assets.id").
		Where("versions.id = ?", versionID).Scan(&owner).Error; err != nil {
		t.Fatal(err)
	}
	return owner
}

// TestSavingAnUnchangedLabelChangesNothing: saving the current profile
// again makes no label version and leaves approved pieces approved.
func TestSavingAnUnchangedLabelChangesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, c *clock) {
		_, approvedID, _ := piecesInEveryState(t, s, c)
		before := rowCounts(t, s)
		if l := changeLabel(t, s, func(*domain.Label) {}); l.Version != 1 {
			t.Fatalf("label version %d after an unchanged save, want 1", l.Version)
		}
		if after := rowCounts(t, s); fmt.Sprint(before) != fmt.Sprint(after) || facts(t, s, approvedID).State != domain.StateApproved {
			t.Fatalf("unchanged save changed rows: %v -> %v", before, after)
		}
	})
}

// TestLabelChangeCancelsAnOpenRecertificationOfAnApprovedPiece: an approved
// piece whose re-certification is under way goes back to review in a
// label_change round; the re-certification round is cancelled and audited.
func TestLabelChangeCancelsAnOpenRecertificationOfAnApprovedPiece(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		_, approvedID, _ := piecesInEveryState(t, s, c)
		r := latest(t, s, approvedID)
		owner := domain.Actor{UserID: ownerOf(t, s, approvedID), Name: "Owner"}
		recert, err := s.Recertify(ctx, owner, approvedID, r.ID, domain.ReviewFunctions, nil, c.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		changeLabel(t, s, func(l *domain.Label) { l.OffLabelTerms = []string{"pregnancy"} })
		var status string
		if err := s.db.Model(&roundRow{}).Select("status").Where("id = ?", recert.ID).Scan(&status).Error; err != nil {
			t.Fatal(err)
		}
		round, n := openRoundOf(t, s, approvedID)
		if status != "cancelled" || n != 1 || round.Kind != domain.RoundLabelChange {
			t.Fatalf("re-certification round %s; open rounds %d: %+v", status, n, round)
		}
		if a := auditOf(t, s, "review.rounds_cancelled", approvedID); len(a) != 1 || a[0]["reason"] != "label_change" {
			t.Fatalf("review.rounds_cancelled audit events: %v", a)
		}
		verifyIntact(t, s)
	})
}
