// Package storetest holds fixtures for the tests of packages that work on a
// store.Store (webhook, jobs, ...), built from the store's exported methods
// only. The store's own tests keep theirs (see approveAll in
// internal/store/publish_test.go): a package's internal tests cannot import
// a package that imports it.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/store"
)

// Approved returns a version approved by every review function: a new
// asset with job code job on brand (which must exist) gets one version, a
// clean compliance report, a review round due an hour after now, and an
// approval from a new reviewer per function. Users are named after job, so
// one store holds several such versions with distinct job codes.
func Approved(t testing.TB, s *store.Store, brand, job string, now time.Time) domain.Version {
	t.Helper()
	ctx := context.Background()
	author := User(t, s, "author-"+job+"@example.com")
	in := domain.NewAsset{JobCode: job, Title: "Piece " + job, Brand: brand, Audience: "hcp", Channel: "email"}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAsset(ctx, author, in)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.CreateVersion(
		ctx,
		author,
		domain.Version{AssetID: a.ID, MediaType: "text/plain", Filename: "a.txt", TextStatus: domain.TextOK},
		domain.StoredObject{Key: "objects/aa/bb/" + job, SHA256: "ab", Size: 1},
		true,
		"",
		nil,
	)
	if err != nil {
		t.Fatal(err)
	}
	report := domain.CheckReport{VersionID: v.ID, Brand: brand, LabelVersion: 1, RulesVersion: "t", Findings: []domain.Finding{}}
	r, err := s.SaveReport(ctx, author, report)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitVersion(ctx, author, v.ID, r.ID, domain.ReviewFunctions, nil, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, f := range domain.ReviewFunctions {
		rv := User(t, s, fmt.Sprintf("%s-%s@example.com", f, job))
		d := domain.Decision{VersionID: v.ID, Function: f, Decision: domain.DecisionApprove,
			Signature: &domain.NewSignature{UserID: rv.UserID, PrintedName: rv.Name, Meaning: "ok"}}
		if _, err := s.Decide(ctx, rv, d); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Version(ctx, v.ID)
	if err != nil || got.State != domain.StateApproved {
		t.Fatalf("storetest: version not approved: %+v %v", got, err)
	}
	return got
}

// User creates a user without roles and returns them as an actor.
func User(t testing.TB, s *store.Store, email string) domain.Actor {
	t.Helper()
	u, err := s.CreateUser(context.Background(), domain.Actor{Name: "test"}, domain.NewUser{Email: email, DisplayName: email}, "h")
	if err != nil {
		t.Fatal(err)
	}
	return domain.Actor{UserID: u.ID, Name: u.DisplayName}
}

// Brand creates the brand code with a label whose claims a compliant piece
// can meet.
func Brand(t testing.TB, s *store.Store, code string) {
	t.Helper()
	b := domain.NewBrand{Code: code, Name: code, Label: domain.Label{ProprietaryName: code, EstablishedName: "zeltaparin", Indication: "X.",
		ISIStatements: []string{"Bleeding."}, PIReference: "See PI."}}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBrand(context.Background(), domain.Actor{Name: "test"}, b); err != nil {
		t.Fatal(err)
	}
}

// Open opens and migrates a store with opts; it is closed when the test
// ends.
func Open(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}
