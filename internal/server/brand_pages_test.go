package server

import (
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// The label history names what each version changed, newest first; a
// version that changed nothing in the profile came from the claims library.
func TestLabelHistoryNamesTheChanges(t *testing.T) {
	v1 := domain.Label{Version: 1, ISIStatements: []string{"Serious bleeding can occur."}, Indication: "Condition X."}
	v2 := v1
	v2.Version = 2
	v3 := v2
	v3.Version, v3.ISIStatements, v3.BoxedWarning = 3, []string{"Serious bleeding can occur.", "Dizziness may occur."}, true
	got := labelHistory([]domain.Label{v1, v2, v3})
	want := []labelRevision{{Version: 3, ISICount: 2, Changed: "ISI statements, boxed warning"}, {Version: 2, ISICount: 1, Changed: "Claims library"}, {Version: 1, ISICount: 1, Changed: "First version"}}
	if len(got) != len(want) {
		t.Fatalf("history = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
