package server

import (
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// rowCounts counts the rows of tables a refused request must leave alone,
// through a second connection so that nothing the store caches hides a write.
func (f *reviewFixture) rowCounts(t *testing.T) map[string]int64 {
	t.Helper()
	db, err := sql.Open(f.driver, f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int64{}
	for _, table := range []string{"compliance_reports", "findings", "audit_events", "review_rounds", "review_tasks",
		"notifications", "signatures"} {
		var n int64
		if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// TestRefusedSubmitChangesNothing submits a published version: the answer
// is 409 and no report, audit event or library change is left behind;
// likewise a re-certification while one is open.
func TestRefusedSubmitChangesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newApprovedFixtureOn(t, backend)
		f.publishFor(t, 48*time.Hour)
		before := f.rowCounts(t)
		report := decode[domain.CheckReport](
			t,
			f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/compliance", f.marketer, nil),
			http.StatusOK,
		)

		decodeError(
			t,
			f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/submit", f.marketer, nil),
			http.StatusConflict,
			"conflict",
		)

		after := f.rowCounts(t)
		for table, n := range before {
			if after[table] != n {
				t.Errorf("%s: %d rows before the refused submit, %d after", table, n, after[table])
			}
		}
		if r := decode[domain.CheckReport](t, f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/compliance",
			f.marketer, nil), http.StatusOK); r.ID != report.ID {
			t.Errorf("current report changed from %s to %s", report.ID, r.ID)
		}
		lib := decode[domain.LibraryPage](t, f.api(t, http.MethodGet, "/api/v1/library", f.rep, nil), http.StatusOK)
		if len(lib.Items) != 1 || lib.Items[0].VersionID != f.version.ID {
			t.Errorf("rep library after refused submit = %+v", lib.Items)
		}
		if rec := f.repContent(t, f.asset.ID); rec.Code != http.StatusOK {
			t.Errorf("rep download after refused submit = %d", rec.Code)
		}

		// A second re-certification while one is open is refused the same way.
		decode[domain.ReviewRound](
			t,
			f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/recertify", f.marketer, nil),
			http.StatusCreated,
		)
		before = f.rowCounts(t)
		decodeError(
			t,
			f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/recertify", f.marketer, nil),
			http.StatusConflict,
			"conflict",
		)
		after = f.rowCounts(t)
		for table, n := range before {
			if after[table] != n {
				t.Errorf("%s: %d rows before the refused re-certification, %d after", table, n, after[table])
			}
		}
	})
}

// TestRecheckOfPublishedPieceIsRefused: after a label change that the
// published piece no longer meets, running the checker on it again by hand
// used to store a failing report, which took the piece out of the reps'
// library with no retirement, notice or feed entry. Now the re-check is
// refused (a published piece is checked again in a re-certification round),
// nothing is written, and the piece stays served until the label change's
// own re-review flag and grace expiry retire it.
func TestRecheckOfPublishedPieceIsRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newApprovedFixtureOn(t, backend)
		f.publishFor(t, 48*time.Hour)
		l := decode[domain.Label](t, f.api(t, http.MethodGet, "/api/v1/brands/ZELTRA/label", f.regulatory, nil), http.StatusOK)
		l.ISIStatements = append(l.ISIStatements, "ZELTRA may cause severe liver injury.")
		decode[domain.Label](t, f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", f.regulatory, labelBody(t, l, "")), http.StatusOK)

		before := f.rowCounts(t)
		d := decodeError(
			t,
			f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/compliance", f.marketer, nil),
			http.StatusConflict,
			"conflict",
		)
		if !strings.Contains(d.Message, "re-certification") {
			t.Errorf("message %q does not say what to do instead", d.Message)
		}
		after := f.rowCounts(t)
		for table, n := range before {
			if after[table] != n {
				t.Errorf("%s: %d rows before the refused re-check, %d after", table, n, after[table])
			}
		}
		lib := decode[domain.LibraryPage](t, f.api(t, http.MethodGet, "/api/v1/library", f.rep, nil), http.StatusOK)
		if len(lib.Items) != 1 || lib.Items[0].VersionID != f.version.ID {
			t.Errorf("rep library after the refused re-check = %+v", lib.Items)
		}
		if rec := f.repContent(t, f.asset.ID); rec.Code != http.StatusOK {
			t.Errorf("rep download after the refused re-check = %d", rec.Code)
		}
	})
}
