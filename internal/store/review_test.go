package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// submitted creates a brand, an author, an asset and a checked draft, and
// submits it for review. It returns the version ID and the author.
func submitted(t *testing.T, s *Store) (string, domain.Actor) {
	t.Helper()
	createZeltra(t, s)
	u := mustUser(t, s, "author@example.com")
	author := domain.Actor{UserID: u.ID, Name: u.DisplayName}
	assetID := newTestAsset(t, s, author,
		domain.NewAsset{JobCode: "ZEL-1", Title: "Piece", Brand: "ZELTRA", Audience: "hcp", Channel: "email"})
	obj := domain.StoredObject{Key: "objects/aa/bb/test", SHA256: fmt.Sprintf("%064x", 1), Size: 1}
	return submitDraft(t, s, author, assetID, obj, "", time.Now().Add(time.Hour)), author
}

// newTestAsset validates in and creates the asset as actor, returning its
// ID.
func newTestAsset(t *testing.T, s *Store, actor domain.Actor, in domain.NewAsset) string {
	t.Helper()
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAsset(context.Background(), actor, in)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// submitDraft uploads obj with text as a new ZELTRA text version of an
// asset, stores a clean checker report for it and submits it for review
// due at due. It returns the version ID.
func submitDraft(t *testing.T, s *Store, author domain.Actor, assetID string, obj domain.StoredObject, text string, due time.Time) string {
	t.Helper()
	ctx := context.Background()
	v, err := s.CreateVersion(
		ctx,
		author,
		domain.Version{AssetID: assetID, MediaType: "text/plain", Filename: "a.txt", TextStatus: domain.TextOK},
		obj,
		true,
		text,
		nil,
	)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.SaveReport(
		ctx,
		author,
		domain.CheckReport{VersionID: v.ID, Brand: "ZELTRA", LabelVersion: 1, RulesVersion: "test", Findings: []domain.Finding{}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitVersion(ctx, author, v.ID, r.ID, domain.ReviewFunctions, nil, due); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func reviewer(t *testing.T, s *Store, n int) domain.Actor {
	t.Helper()
	u := mustUser(t, s, fmt.Sprintf("reviewer%d@example.com", n))
	return domain.Actor{UserID: u.ID, Name: u.DisplayName}
}

func sig(a domain.Actor) *domain.NewSignature {
	return &domain.NewSignature{UserID: a.UserID, PrintedName: a.Name, Meaning: "Approved"}
}

// TestConcurrentDecisionsHaveOneWinner has many reviewers decide the same
// task at once: exactly one succeeds, the others get 409, and the audit
// chain stays valid.
func TestConcurrentDecisionsHaveOneWinner(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		versionID, _ := submitted(t, s)
		const n = 12
		actors := make([]domain.Actor, n)
		for i := range actors {
			actors[i] = reviewer(t, s, i)
		}
		var wg sync.WaitGroup
		results := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				decision := domain.DecisionApprove
				var sg *domain.NewSignature = sig(actors[i])
				if i%3 == 1 {
					decision, sg = domain.DecisionRequestChanges, nil
				}
				_, err := s.Decide(
					context.Background(),
					actors[i],
					domain.Decision{
						VersionID: versionID,
						Function:  domain.FunctionMedical,
						Decision:  decision,
						Comment:   "c",
						Signature: sg,
					},
				)
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		wins, conflicts := 0, 0
		for err := range results {
			switch domain.ErrorCode(err) {
			case "":
				wins++
			case domain.ECONFLICT:
				conflicts++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 || conflicts != n-1 {
			t.Fatalf("%d winners and %d conflicts, want 1 and %d", wins, conflicts, n-1)
		}
		verifyIntact(t, s)
	})
}

// TestConcurrentFunctionsApproveOnce has the three functions decide at the
// same time, twice over: the version ends approved exactly once.
func TestConcurrentFunctionsApproveOnce(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		versionID, _ := submitted(t, s)
		var wg sync.WaitGroup
		states := make(chan domain.State, 6)
		for i, f := range []string{domain.FunctionMedical, domain.FunctionLegal, domain.FunctionRegulatory, domain.FunctionMedical,
			domain.FunctionLegal, domain.FunctionRegulatory} {
			a := reviewer(t, s, i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := s.Decide(
					context.Background(),
					a,
					domain.Decision{VersionID: versionID, Function: f, Decision: domain.DecisionApprove, Signature: sig(a)},
				)
				if err == nil {
					states <- res.VersionState
				} else if domain.ErrorCode(err) != domain.ECONFLICT {
					t.Errorf("Decide: %v", err)
				}
			}()
		}
		wg.Wait()
		close(states)
		approved, decided := 0, 0
		for st := range states {
			decided++
			if st == domain.StateApproved {
				approved++
			}
		}
		if decided != 3 || approved != 1 {
			t.Fatalf("%d decisions recorded, %d approvals of the version; want 3 and 1", decided, approved)
		}
		hist, err := s.ReviewHistory(context.Background(), versionID)
		if err != nil || len(hist) != 1 || hist[0].Status != "approved" {
			t.Fatalf("history = %+v, %v", hist, err)
		}
		verifyIntact(t, s)
	})
}

func TestDecisionRules(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		versionID, author := submitted(t, s)
		_, err := s.Decide(ctx, author,
			domain.Decision{VersionID: versionID, Function: domain.FunctionMedical, Decision: domain.DecisionApprove,
				Signature: sig(author)})
		if domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("author reviewing own version: %v", err)
		}
		r := reviewer(t, s, 1)
		if _, err := s.Decide(ctx, r,
			domain.Decision{VersionID: versionID, Function: domain.FunctionMedical, Decision: domain.DecisionApprove,
				Signature: sig(r)}); err != nil {
			t.Fatal(err)
		}
		_, err = s.Decide(ctx, r,
			domain.Decision{VersionID: versionID, Function: domain.FunctionLegal, Decision: domain.DecisionApprove,
				Signature: sig(r)})
		if domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("second function by one person: %v", err)
		}
		// A new report with an unwaived error blocks further approvals.
		if _, err := s.SaveReport(ctx, author,
			domain.CheckReport{VersionID: versionID, Brand: "ZELTRA", LabelVersion: 1, RulesVersion: "test",
				Findings: []domain.Finding{{RuleID: "FB-X", Severity: domain.SeverityError, Message: "m"}}}); err != nil {
			t.Fatal(err)
		}
		r2 := reviewer(t, s, 2)
		_, err = s.Decide(ctx, r2,
			domain.Decision{VersionID: versionID, Function: domain.FunctionLegal, Decision: domain.DecisionApprove,
				Signature: sig(r2)})
		if domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("approval with an unwaived error: %v", err)
		}
		res, err := s.Decide(
			ctx,
			r2,
			domain.Decision{
				VersionID: versionID,
				Function:  domain.FunctionLegal,
				Decision:  domain.DecisionReject,
				Comment:   "no",
				Signature: sig(r2),
			},
		)
		if err != nil || res.VersionState != domain.StateRejected {
			t.Fatalf("reject: %+v %v", res, err)
		}
		hist, _ := s.ReviewHistory(ctx, versionID)
		statuses := map[string]string{}
		for _, task := range hist[0].Tasks {
			statuses[task.Function] = task.Status
		}
		if statuses["medical"] != domain.TaskApproved || statuses["legal"] != domain.TaskRejected ||
			statuses["regulatory"] != domain.TaskCancelled {
			t.Fatalf("task statuses = %v", statuses)
		}
	})
}
