package server

import (
	"net/http"
	"strings"
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
	want := []labelRevision{
		{Version: 3, ISICount: 2, Changed: "ISI statements, boxed warning"},
		{Version: 2, ISICount: 1, Changed: "Claims library"},
		{Version: 1, ISICount: 1, Changed: "First version"},
	}
	if len(got) != len(want) {
		t.Fatalf("history = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestLabelVersionsAndClaims(t *testing.T) {
	f := newContentFixture(t)
	f.addUser(t, "regulatory@example.com", "regulatory_reviewer:ZELTRA")
	reg := f.login(t, "regulatory@example.com")
	l := decode[domain.Label](t, f.api(t, http.MethodGet, "/api/v1/brands/ZELTRA/label", f.marketer, nil), http.StatusOK)
	if l.Version != 1 {
		t.Fatalf("label = %+v", l)
	}
	l.ISIStatements = append(l.ISIStatements, "Tell your doctor about all medicines you take.")
	l2 := decode[domain.Label](t, f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", reg, l), http.StatusOK)
	if l2.Version != 2 || len(l2.ISIStatements) != 2 {
		t.Fatalf("new label = %+v", l2)
	}
	hist := decode[struct {
		Versions []domain.Label `json:"versions"`
	}](t, f.api(t, http.MethodGet, "/api/v1/brands/ZELTRA/label/versions", f.marketer, nil), http.StatusOK)
	if len(hist.Versions) != 2 || len(hist.Versions[0].ISIStatements) != 1 {
		t.Fatalf("history = %+v", hist.Versions)
	}
	decodeError(t, f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", f.marketer, l), http.StatusForbidden, "forbidden")
	decodeError(t, f.api(t, http.MethodPut, "/api/v1/brands/OTHER/label", reg, l), http.StatusNotFound, "not_found")
	bad := l
	bad.ISIStatements, bad.MaxExpiryMonths = nil, 99
	d := decodeError(t, f.api(t, http.MethodPut, "/api/v1/brands/ZELTRA/label", reg, bad), http.StatusUnprocessableEntity, "invalid")
	if d.Fields["label.isi_statements"] == "" || d.Fields["label.max_expiry_months"] == "" {
		t.Fatalf("fields = %v", d.Fields)
	}

	claim := map[string]any{
		"text":       "ZELTRA reduced stroke risk by 21% vs warfarin.",
		"category":   "comparative",
		"references": []string{"Smith et al. NEJM 2025;392:1-10"},
		"variants":   []string{},
	}
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/brands/ZELTRA/claims", f.marketer, claim), http.StatusForbidden, "forbidden")
	c := decode[domain.Claim](t, f.api(t, http.MethodPost, "/api/v1/brands/ZELTRA/claims", reg, claim), http.StatusCreated)
	if c.Brand != "ZELTRA" || len(c.References) != 1 {
		t.Fatalf("claim = %+v", c)
	}
	d = decodeError(
		t,
		f.api(
			t,
			http.MethodPost,
			"/api/v1/brands/ZELTRA/claims",
			reg,
			map[string]any{"text": "", "category": "magic", "references": []string{}},
		),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	if d.Fields["text"] == "" || d.Fields["category"] == "" || d.Fields["references"] == "" {
		t.Fatalf("fields = %v", d.Fields)
	}
	list := decode[struct{ Claims []domain.Claim }](
		t,
		f.api(t, http.MethodGet, "/api/v1/brands/ZELTRA/claims", f.medical, nil),
		http.StatusOK,
	)
	if len(list.Claims) != 1 {
		t.Fatalf("claims = %+v", list.Claims)
	}
	decodeError(t, f.api(t, http.MethodGet, "/api/v1/brands/ZELTRA/claims", f.other, nil), http.StatusNotFound, "not_found")
	var actions []string
	for _, e := range f.auditActions(t) {
		actions = append(actions, e.Action)
	}
	if a := strings.Join(actions, ","); !strings.Contains(a, "brand.label_update") || !strings.Contains(a, "claim.create") {
		t.Fatalf("audit: %s", a)
	}
}
