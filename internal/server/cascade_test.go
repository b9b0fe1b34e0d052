package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// TestLabelChangeThroughTheAPICascades: a label change through PUT
// /api/v1/brands/{brand}/label re-checks the published piece against the
// new label at once. The piece, which lacks the new ISI statement, stays in
// the reps' library with its expiry brought forward to the grace the label
// sets, a recertification round is opened, and approving that round is
// refused with 409 naming the label change until the report passes.
func TestLabelChangeThroughTheAPICascades(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newApprovedFixtureOn(t, backend)
		decode[domain.Version](t, f.publishRequest(t, map[string]any{"expires_at": f.clock.Now().AddDate(0, 0, 90)}), http.StatusOK)

		l := decode[domain.Label](t, f.api(t, http.MethodGet, "/api/v1/brands/ZELTRA/label", f.regulatory, nil), http.StatusOK)
		l.ISIStatements = append(l.ISIStatements, "ZELTRA may cause severe liver injury.")
		grace := 10
		l.RereviewGraceDays = &grace
		saved := decode[domain.Label](
			t,
			f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", f.regulatory, labelBody(t, l, "")),
			http.StatusOK,
		)
		if saved.GraceDays() != 10 || saved.Version != l.Version+1 {
			t.Fatalf("saved label: version %d, grace %d", saved.Version, saved.GraceDays())
		}

		r := decode[domain.CheckReport](
			t,
			f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/compliance", f.regulatory, nil),
			http.StatusOK,
		)
		if r.LabelVersion != saved.Version || r.Passed {
			t.Fatalf("report after the label change: label version %d, passed %v", r.LabelVersion, r.Passed)
		}
		lib := decode[domain.LibraryPage](t, f.api(t, http.MethodGet, "/api/v1/library", f.rep, nil), http.StatusOK)
		if want := f.clock.Now().AddDate(0, 0, 10); len(lib.Items) != 1 || !lib.Items[0].ExpiresAt.Equal(want) {
			t.Fatalf("rep library = %+v, want the piece expiring at %v", lib.Items, want)
		}
		history := decode[struct{ Rounds []domain.ReviewRound }](
			t,
			f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/reviews", f.regulatory, nil),
			http.StatusOK,
		)
		last := history.Rounds[len(history.Rounds)-1]
		if last.Kind != "recertification" || last.Status != "open" {
			t.Fatalf("newest round = %+v, want an open recertification", last)
		}

		d := decodeError(t, f.decide(f.medical, "medical", "approve"), http.StatusConflict, "conflict")
		if !strings.Contains(d.Message, "unwaived error") {
			t.Fatalf("approval of the failing piece: %q", d.Message)
		}
	})
}
