package policies_test

import (
	"context"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/authz"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/policies"
)

// matrix is the authorization policy written out as its answers, one line
// per (role, object, action): may a holder of the role do it in the brand the
// role is held for ("own"), and in another brand ("other")? It is written by
// hand from the product's permission list, independently of policy.csv, so
// that a change of either shows up here as a failing line.
//
// Brand-scoped roles (marketer, reviewers, rep) are held for ZELTRA only;
// admin and auditor are held for "*" as in production, so for them own and
// other agree.
var matrix = []struct {
	role           domain.Role
	object, action string
	own, other     bool
}{
	// user
	{domain.RoleAdmin, "user", "read", true, true},
	{domain.RoleMarketer, "user", "read", false, false},
	{domain.RoleMedicalReviewer, "user", "read", false, false},
	{domain.RoleLegalReviewer, "user", "read", false, false},
	{domain.RoleRegulatoryReviewer, "user", "read", false, false},
	{domain.RoleRep, "user", "read", false, false},
	{domain.RoleAuditor, "user", "read", false, false},
	{domain.RoleAdmin, "user", "create", true, true},
	{domain.RoleMarketer, "user", "create", false, false},
	{domain.RoleMedicalReviewer, "user", "create", false, false},
	{domain.RoleLegalReviewer, "user", "create", false, false},
	{domain.RoleRegulatoryReviewer, "user", "create", false, false},
	{domain.RoleRep, "user", "create", false, false},
	{domain.RoleAuditor, "user", "create", false, false},
	{domain.RoleAdmin, "user", "update", true, true},
	{domain.RoleMarketer, "user", "update", false, false},
	{domain.RoleMedicalReviewer, "user", "update", false, false},
	{domain.RoleLegalReviewer, "user", "update", false, false},
	{domain.RoleRegulatoryReviewer, "user", "update", false, false},
	{domain.RoleRep, "user", "update", false, false},
	{domain.RoleAuditor, "user", "update", false, false},

	// integrity
	{domain.RoleAdmin, "integrity", "read", true, true},
	{domain.RoleMarketer, "integrity", "read", false, false},
	{domain.RoleMedicalReviewer, "integrity", "read", false, false},
	{domain.RoleLegalReviewer, "integrity", "read", false, false},
	{domain.RoleRegulatoryReviewer, "integrity", "read", false, false},
	{domain.RoleRep, "integrity", "read", false, false},
	{domain.RoleAuditor, "integrity", "read", false, false},

	// brand
	{domain.RoleAdmin, "brand", "create", true, true},
	{domain.RoleMarketer, "brand", "create", false, false},
	{domain.RoleMedicalReviewer, "brand", "create", false, false},
	{domain.RoleLegalReviewer, "brand", "create", false, false},
	{domain.RoleRegulatoryReviewer, "brand", "create", false, false},
	{domain.RoleRep, "brand", "create", false, false},
	{domain.RoleAuditor, "brand", "create", false, false},
	{domain.RoleAdmin, "brand", "read", true, true},
	{domain.RoleMarketer, "brand", "read", true, false},
	{domain.RoleMedicalReviewer, "brand", "read", true, false},
	{domain.RoleLegalReviewer, "brand", "read", true, false},
	{domain.RoleRegulatoryReviewer, "brand", "read", true, false},
	{domain.RoleRep, "brand", "read", true, false},
	{domain.RoleAuditor, "brand", "read", true, true},

	// label
	{domain.RoleAdmin, "label", "read", true, true},
	{domain.RoleMarketer, "label", "read", true, false},
	{domain.RoleMedicalReviewer, "label", "read", true, false},
	{domain.RoleLegalReviewer, "label", "read", true, false},
	{domain.RoleRegulatoryReviewer, "label", "read", true, false},
	{domain.RoleRep, "label", "read", false, false},
	{domain.RoleAuditor, "label", "read", true, true},
	{domain.RoleAdmin, "label", "update", true, true},
	{domain.RoleMarketer, "label", "update", false, false},
	{domain.RoleMedicalReviewer, "label", "update", false, false},
	{domain.RoleLegalReviewer, "label", "update", false, false},
	{domain.RoleRegulatoryReviewer, "label", "update", true, false},
	{domain.RoleRep, "label", "update", false, false},
	{domain.RoleAuditor, "label", "update", false, false},
	{domain.RoleAdmin, "review_policy", "update", true, true},
	{domain.RoleMarketer, "review_policy", "update", false, false},
	{domain.RoleMedicalReviewer, "review_policy", "update", false, false},
	{domain.RoleLegalReviewer, "review_policy", "update", false, false},
	{domain.RoleRegulatoryReviewer, "review_policy", "update", false, false},
	{domain.RoleRep, "review_policy", "update", false, false},
	{domain.RoleAuditor, "review_policy", "update", false, false},

	// claim
	{domain.RoleAdmin, "claim", "read", true, true},
	{domain.RoleMarketer, "claim", "read", true, false},
	{domain.RoleMedicalReviewer, "claim", "read", true, false},
	{domain.RoleLegalReviewer, "claim", "read", true, false},
	{domain.RoleRegulatoryReviewer, "claim", "read", true, false},
	{domain.RoleRep, "claim", "read", false, false},
	{domain.RoleAuditor, "claim", "read", true, true},
	{domain.RoleAdmin, "claim", "create", true, true},
	{domain.RoleMarketer, "claim", "create", false, false},
	{domain.RoleMedicalReviewer, "claim", "create", true, false},
	{domain.RoleLegalReviewer, "claim", "create", false, false},
	{domain.RoleRegulatoryReviewer, "claim", "create", true, false},
	{domain.RoleRep, "claim", "create", false, false},
	{domain.RoleAuditor, "claim", "create", false, false},

	// asset
	{domain.RoleAdmin, "asset", "read", false, false},
	{domain.RoleMarketer, "asset", "read", true, false},
	{domain.RoleMedicalReviewer, "asset", "read", true, false},
	{domain.RoleLegalReviewer, "asset", "read", true, false},
	{domain.RoleRegulatoryReviewer, "asset", "read", true, false},
	{domain.RoleRep, "asset", "read", false, false},
	{domain.RoleAuditor, "asset", "read", true, true},
	{domain.RoleAdmin, "asset", "create", false, false},
	{domain.RoleMarketer, "asset", "create", true, false},
	{domain.RoleMedicalReviewer, "asset", "create", false, false},
	{domain.RoleLegalReviewer, "asset", "create", false, false},
	{domain.RoleRegulatoryReviewer, "asset", "create", false, false},
	{domain.RoleRep, "asset", "create", false, false},
	{domain.RoleAuditor, "asset", "create", false, false},
	{domain.RoleAdmin, "asset", "update", false, false},
	{domain.RoleMarketer, "asset", "update", true, false},
	{domain.RoleMedicalReviewer, "asset", "update", false, false},
	{domain.RoleLegalReviewer, "asset", "update", false, false},
	{domain.RoleRegulatoryReviewer, "asset", "update", false, false},
	{domain.RoleRep, "asset", "update", false, false},
	{domain.RoleAuditor, "asset", "update", false, false},

	// version
	{domain.RoleAdmin, "version", "read", false, false},
	{domain.RoleMarketer, "version", "read", true, false},
	{domain.RoleMedicalReviewer, "version", "read", true, false},
	{domain.RoleLegalReviewer, "version", "read", true, false},
	{domain.RoleRegulatoryReviewer, "version", "read", true, false},
	{domain.RoleRep, "version", "read", false, false},
	{domain.RoleAuditor, "version", "read", true, true},
	{domain.RoleAdmin, "version", "download", false, false},
	{domain.RoleMarketer, "version", "download", true, false},
	{domain.RoleMedicalReviewer, "version", "download", true, false},
	{domain.RoleLegalReviewer, "version", "download", true, false},
	{domain.RoleRegulatoryReviewer, "version", "download", true, false},
	{domain.RoleRep, "version", "download", false, false},
	{domain.RoleAuditor, "version", "download", true, true},
	{domain.RoleAdmin, "version", "upload", false, false},
	{domain.RoleMarketer, "version", "upload", true, false},
	{domain.RoleMedicalReviewer, "version", "upload", false, false},
	{domain.RoleLegalReviewer, "version", "upload", false, false},
	{domain.RoleRegulatoryReviewer, "version", "upload", false, false},
	{domain.RoleRep, "version", "upload", false, false},
	{domain.RoleAuditor, "version", "upload", false, false},
	{domain.RoleAdmin, "version", "submit", false, false},
	{domain.RoleMarketer, "version", "submit", true, false},
	{domain.RoleMedicalReviewer, "version", "submit", false, false},
	{domain.RoleLegalReviewer, "version", "submit", false, false},
	{domain.RoleRegulatoryReviewer, "version", "submit", false, false},
	{domain.RoleRep, "version", "submit", false, false},
	{domain.RoleAuditor, "version", "submit", false, false},
	{domain.RoleAdmin, "version", "publish", false, false},
	{domain.RoleMarketer, "version", "publish", true, false},
	{domain.RoleMedicalReviewer, "version", "publish", false, false},
	{domain.RoleLegalReviewer, "version", "publish", false, false},
	{domain.RoleRegulatoryReviewer, "version", "publish", false, false},
	{domain.RoleRep, "version", "publish", false, false},
	{domain.RoleAuditor, "version", "publish", false, false},
	{domain.RoleAdmin, "version", "recertify", false, false},
	{domain.RoleMarketer, "version", "recertify", true, false},
	{domain.RoleMedicalReviewer, "version", "recertify", false, false},
	{domain.RoleLegalReviewer, "version", "recertify", false, false},
	{domain.RoleRegulatoryReviewer, "version", "recertify", false, false},
	{domain.RoleRep, "version", "recertify", false, false},
	{domain.RoleAuditor, "version", "recertify", false, false},
	{domain.RoleAdmin, "version", "withdraw", false, false},
	{domain.RoleMarketer, "version", "withdraw", true, false},
	{domain.RoleMedicalReviewer, "version", "withdraw", false, false},
	{domain.RoleLegalReviewer, "version", "withdraw", false, false},
	{domain.RoleRegulatoryReviewer, "version", "withdraw", true, false},
	{domain.RoleRep, "version", "withdraw", false, false},
	{domain.RoleAuditor, "version", "withdraw", false, false},

	// compliance
	{domain.RoleAdmin, "compliance", "read", false, false},
	{domain.RoleMarketer, "compliance", "read", true, false},
	{domain.RoleMedicalReviewer, "compliance", "read", true, false},
	{domain.RoleLegalReviewer, "compliance", "read", true, false},
	{domain.RoleRegulatoryReviewer, "compliance", "read", true, false},
	{domain.RoleRep, "compliance", "read", false, false},
	{domain.RoleAuditor, "compliance", "read", true, true},
	{domain.RoleAdmin, "compliance", "run", false, false},
	{domain.RoleMarketer, "compliance", "run", true, false},
	{domain.RoleMedicalReviewer, "compliance", "run", false, false},
	{domain.RoleLegalReviewer, "compliance", "run", false, false},
	{domain.RoleRegulatoryReviewer, "compliance", "run", true, false},
	{domain.RoleRep, "compliance", "run", false, false},
	{domain.RoleAuditor, "compliance", "run", false, false},
	{domain.RoleAdmin, "compliance", "waive", false, false},
	{domain.RoleMarketer, "compliance", "waive", false, false},
	{domain.RoleMedicalReviewer, "compliance", "waive", false, false},
	{domain.RoleLegalReviewer, "compliance", "waive", false, false},
	{domain.RoleRegulatoryReviewer, "compliance", "waive", true, false},
	{domain.RoleRep, "compliance", "waive", false, false},
	{domain.RoleAuditor, "compliance", "waive", false, false},

	// review
	{domain.RoleAdmin, "review", "read", false, false},
	{domain.RoleMarketer, "review", "read", false, false},
	{domain.RoleMedicalReviewer, "review", "read", true, false},
	{domain.RoleLegalReviewer, "review", "read", true, false},
	{domain.RoleRegulatoryReviewer, "review", "read", true, false},
	{domain.RoleRep, "review", "read", false, false},
	{domain.RoleAuditor, "review", "read", false, false},
	{domain.RoleAdmin, "review", "medical", false, false},
	{domain.RoleMarketer, "review", "medical", false, false},
	{domain.RoleMedicalReviewer, "review", "medical", true, false},
	{domain.RoleLegalReviewer, "review", "medical", false, false},
	{domain.RoleRegulatoryReviewer, "review", "medical", false, false},
	{domain.RoleRep, "review", "medical", false, false},
	{domain.RoleAuditor, "review", "medical", false, false},
	{domain.RoleAdmin, "review", "legal", false, false},
	{domain.RoleMarketer, "review", "legal", false, false},
	{domain.RoleMedicalReviewer, "review", "legal", false, false},
	{domain.RoleLegalReviewer, "review", "legal", true, false},
	{domain.RoleRegulatoryReviewer, "review", "legal", false, false},
	{domain.RoleRep, "review", "legal", false, false},
	{domain.RoleAuditor, "review", "legal", false, false},
	{domain.RoleAdmin, "review", "regulatory", false, false},
	{domain.RoleMarketer, "review", "regulatory", false, false},
	{domain.RoleMedicalReviewer, "review", "regulatory", false, false},
	{domain.RoleLegalReviewer, "review", "regulatory", false, false},
	{domain.RoleRegulatoryReviewer, "review", "regulatory", true, false},
	{domain.RoleRep, "review", "regulatory", false, false},
	{domain.RoleAuditor, "review", "regulatory", false, false},

	// comment
	{domain.RoleAdmin, "comment", "read", false, false},
	{domain.RoleMarketer, "comment", "read", true, false},
	{domain.RoleMedicalReviewer, "comment", "read", true, false},
	{domain.RoleLegalReviewer, "comment", "read", true, false},
	{domain.RoleRegulatoryReviewer, "comment", "read", true, false},
	{domain.RoleRep, "comment", "read", false, false},
	{domain.RoleAuditor, "comment", "read", true, true},
	{domain.RoleAdmin, "comment", "create", false, false},
	{domain.RoleMarketer, "comment", "create", true, false},
	{domain.RoleMedicalReviewer, "comment", "create", true, false},
	{domain.RoleLegalReviewer, "comment", "create", true, false},
	{domain.RoleRegulatoryReviewer, "comment", "create", true, false},
	{domain.RoleRep, "comment", "create", false, false},
	{domain.RoleAuditor, "comment", "create", false, false},

	// library
	{domain.RoleAdmin, "library", "read", false, false},
	{domain.RoleMarketer, "library", "read", true, false},
	{domain.RoleMedicalReviewer, "library", "read", false, false},
	{domain.RoleLegalReviewer, "library", "read", false, false},
	{domain.RoleRegulatoryReviewer, "library", "read", false, false},
	{domain.RoleRep, "library", "read", true, false},
	{domain.RoleAuditor, "library", "read", false, false},
	{domain.RoleAdmin, "library", "download", false, false},
	{domain.RoleMarketer, "library", "download", false, false},
	{domain.RoleMedicalReviewer, "library", "download", false, false},
	{domain.RoleLegalReviewer, "library", "download", false, false},
	{domain.RoleRegulatoryReviewer, "library", "download", false, false},
	{domain.RoleRep, "library", "download", true, false},
	{domain.RoleAuditor, "library", "download", false, false},

	// feedback
	{domain.RoleAdmin, "feedback", "create", false, false},
	{domain.RoleMarketer, "feedback", "create", false, false},
	{domain.RoleMedicalReviewer, "feedback", "create", false, false},
	{domain.RoleLegalReviewer, "feedback", "create", false, false},
	{domain.RoleRegulatoryReviewer, "feedback", "create", false, false},
	{domain.RoleRep, "feedback", "create", true, false},
	{domain.RoleAuditor, "feedback", "create", false, false},
	{domain.RoleAdmin, "feedback", "read", false, false},
	{domain.RoleMarketer, "feedback", "read", true, false},
	{domain.RoleMedicalReviewer, "feedback", "read", false, false},
	{domain.RoleLegalReviewer, "feedback", "read", false, false},
	{domain.RoleRegulatoryReviewer, "feedback", "read", false, false},
	{domain.RoleRep, "feedback", "read", false, false},
	{domain.RoleAuditor, "feedback", "read", false, false},

	// notice
	{domain.RoleAdmin, "notice", "read", false, false},
	{domain.RoleMarketer, "notice", "read", false, false},
	{domain.RoleMedicalReviewer, "notice", "read", false, false},
	{domain.RoleLegalReviewer, "notice", "read", false, false},
	{domain.RoleRegulatoryReviewer, "notice", "read", false, false},
	{domain.RoleRep, "notice", "read", true, false},
	{domain.RoleAuditor, "notice", "read", false, false},
	{domain.RoleAdmin, "notice", "ack", false, false},
	{domain.RoleMarketer, "notice", "ack", false, false},
	{domain.RoleMedicalReviewer, "notice", "ack", false, false},
	{domain.RoleLegalReviewer, "notice", "ack", false, false},
	{domain.RoleRegulatoryReviewer, "notice", "ack", false, false},
	{domain.RoleRep, "notice", "ack", true, false},
	{domain.RoleAuditor, "notice", "ack", false, false},
	{domain.RoleAdmin, "notice", "report", false, false},
	{domain.RoleMarketer, "notice", "report", true, false},
	{domain.RoleMedicalReviewer, "notice", "report", false, false},
	{domain.RoleLegalReviewer, "notice", "report", false, false},
	{domain.RoleRegulatoryReviewer, "notice", "report", true, false},
	{domain.RoleRep, "notice", "report", false, false},
	{domain.RoleAuditor, "notice", "report", false, false},

	// campaign
	{domain.RoleAdmin, "campaign", "read", false, false},
	{domain.RoleMarketer, "campaign", "read", true, false},
	{domain.RoleMedicalReviewer, "campaign", "read", false, false},
	{domain.RoleLegalReviewer, "campaign", "read", false, false},
	{domain.RoleRegulatoryReviewer, "campaign", "read", false, false},
	{domain.RoleRep, "campaign", "read", true, false},
	{domain.RoleAuditor, "campaign", "read", false, false},
	{domain.RoleAdmin, "campaign", "create", false, false},
	{domain.RoleMarketer, "campaign", "create", true, false},
	{domain.RoleMedicalReviewer, "campaign", "create", false, false},
	{domain.RoleLegalReviewer, "campaign", "create", false, false},
	{domain.RoleRegulatoryReviewer, "campaign", "create", false, false},
	{domain.RoleRep, "campaign", "create", false, false},
	{domain.RoleAuditor, "campaign", "create", false, false},
	{domain.RoleAdmin, "campaign", "publish", false, false},
	{domain.RoleMarketer, "campaign", "publish", true, false},
	{domain.RoleMedicalReviewer, "campaign", "publish", false, false},
	{domain.RoleLegalReviewer, "campaign", "publish", false, false},
	{domain.RoleRegulatoryReviewer, "campaign", "publish", false, false},
	{domain.RoleRep, "campaign", "publish", false, false},
	{domain.RoleAuditor, "campaign", "publish", false, false},

	// analytics
	{domain.RoleAdmin, "analytics", "read", false, false},
	{domain.RoleMarketer, "analytics", "read", true, false},
	{domain.RoleMedicalReviewer, "analytics", "read", false, false},
	{domain.RoleLegalReviewer, "analytics", "read", false, false},
	{domain.RoleRegulatoryReviewer, "analytics", "read", false, false},
	{domain.RoleRep, "analytics", "read", false, false},
	{domain.RoleAuditor, "analytics", "read", false, false},

	// form2253
	{domain.RoleAdmin, "form2253", "read", false, false},
	{domain.RoleMarketer, "form2253", "read", true, false},
	{domain.RoleMedicalReviewer, "form2253", "read", false, false},
	{domain.RoleLegalReviewer, "form2253", "read", false, false},
	{domain.RoleRegulatoryReviewer, "form2253", "read", true, false},
	{domain.RoleRep, "form2253", "read", false, false},
	{domain.RoleAuditor, "form2253", "read", true, true},
	{domain.RoleAdmin, "form2253", "submit", false, false},
	{domain.RoleMarketer, "form2253", "submit", false, false},
	{domain.RoleMedicalReviewer, "form2253", "submit", false, false},
	{domain.RoleLegalReviewer, "form2253", "submit", false, false},
	{domain.RoleRegulatoryReviewer, "form2253", "submit", true, false},
	{domain.RoleRep, "form2253", "submit", false, false},
	{domain.RoleAuditor, "form2253", "submit", false, false},

	// audit
	{domain.RoleAdmin, "audit", "read", false, false},
	{domain.RoleMarketer, "audit", "read", false, false},
	{domain.RoleMedicalReviewer, "audit", "read", false, false},
	{domain.RoleLegalReviewer, "audit", "read", false, false},
	{domain.RoleRegulatoryReviewer, "audit", "read", false, false},
	{domain.RoleRep, "audit", "read", false, false},
	{domain.RoleAuditor, "audit", "read", true, true},
	{domain.RoleAdmin, "audit", "verify", false, false},
	{domain.RoleMarketer, "audit", "verify", false, false},
	{domain.RoleMedicalReviewer, "audit", "verify", false, false},
	{domain.RoleLegalReviewer, "audit", "verify", false, false},
	{domain.RoleRegulatoryReviewer, "audit", "verify", false, false},
	{domain.RoleRep, "audit", "verify", false, false},
	{domain.RoleAuditor, "audit", "verify", true, true},
	{domain.RoleAdmin, "audit", "export", false, false},
	{domain.RoleMarketer, "audit", "export", false, false},
	{domain.RoleMedicalReviewer, "audit", "export", false, false},
	{domain.RoleLegalReviewer, "audit", "export", false, false},
	{domain.RoleRegulatoryReviewer, "audit", "export", false, false},
	{domain.RoleRep, "audit", "export", false, false},
	{domain.RoleAuditor, "audit", "export", true, true},
}

// grantees holds one user per role: brand-scoped roles for ZELTRA, admin
// and auditor for every brand.
func grantees() map[domain.Role]domain.Grant {
	g := map[domain.Role]domain.Grant{}
	for _, r := range domain.Roles {
		brand := "ZELTRA"
		if r == domain.RoleAdmin || r == domain.RoleAuditor {
			brand = domain.AllBrands
		}
		g[r] = domain.Grant{UserID: "u-" + string(r), Role: r, Brand: brand}
	}
	return g
}

// fixedSource is an authz.Source whose assignments never change.
type fixedSource []domain.Grant

func (s fixedSource) Grants(context.Context) ([]domain.Grant, error) { return s, nil }
func (s fixedSource) GrantsVersion(context.Context) (int64, error)   { return 1, nil }

func newAuthorizer(t *testing.T) (*authz.Authorizer, map[domain.Role]domain.Grant) {
	t.Helper()
	g := grantees()
	var src fixedSource
	for _, r := range domain.Roles {
		src = append(src, g[r])
	}
	a, err := authz.New(context.Background(), src)
	if err != nil {
		t.Fatalf("authz.New: %v", err)
	}
	return a, g
}

func TestPolicyMatrix(t *testing.T) {
	a, g := newAuthorizer(t)
	for _, tt := range matrix {
		u := domain.User{ID: g[tt.role].UserID}
		for _, c := range []struct {
			brand string
			want  bool
		}{{"ZELTRA", tt.own}, {"OTHERBRAND", tt.other}} {
			got := a.Can(u, c.brand, tt.object, tt.action)
			if got != c.want {
				t.Errorf("%s %s %s in %s = %v, want %v", tt.role, tt.object, tt.action, c.brand, got, c.want)
			}
			// The first answer comes from Casbin, a repeat from the
			// Authorizer's memo; they must agree.
			if again := a.Can(u, c.brand, tt.object, tt.action); again != got {
				t.Errorf("%s %s %s in %s: repeated check = %v, first = %v", tt.role, tt.object, tt.action, c.brand, again, got)
			}
		}
		// A global action (domain "*") is allowed only by a role held for
		// "*": for admin and auditor it follows the table, for every
		// brand-scoped role it is denied.
		wantGlobal := tt.own && g[tt.role].Brand == domain.AllBrands
		if got := a.Can(u, domain.AllBrands, tt.object, tt.action); got != wantGlobal {
			t.Errorf("%s %s %s for all brands (*) = %v, want %v", tt.role, tt.object, tt.action, got, wantGlobal)
		}
	}
}

func TestGlobalDomainNeedsGlobalRole(t *testing.T) {
	a, g := newAuthorizer(t)
	marketer := domain.User{ID: g[domain.RoleMarketer].UserID}
	if !a.Can(marketer, "ZELTRA", "asset", "create") {
		t.Fatal("marketer of ZELTRA cannot create a ZELTRA asset")
	}
	if a.Can(marketer, domain.AllBrands, "asset", "create") {
		t.Error("marketer of ZELTRA may create an asset for all brands (*)")
	}
	admin := domain.User{ID: g[domain.RoleAdmin].UserID}
	if !a.Can(admin, domain.AllBrands, "user", "create") {
		t.Error("admin held for * cannot create users (a global action)")
	}
	// An admin held for one brand only is not a global admin.
	scoped, err := authz.New(context.Background(), fixedSource{{UserID: "brand-admin", Role: domain.RoleAdmin, Brand: "ZELTRA"}})
	if err != nil {
		t.Fatalf("authz.New: %v", err)
	}
	if scoped.Can(domain.User{ID: "brand-admin"}, domain.AllBrands, "user", "create") {
		t.Error("admin held for ZELTRA may create users for all brands (*)")
	}
}

// policyLines reads the p lines of the embedded policy.csv.
func policyLines(t *testing.T) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(policies.Policy()))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	var lines [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return lines
		}
		if err != nil {
			t.Fatalf("policy.csv: %v", err)
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) != 4 || rec[0] != "p" {
			t.Fatalf("policy.csv: line %q is not \"p, role, object, action\"", strings.Join(rec, ", "))
		}
		lines = append(lines, rec)
	}
}

// TestMatrixCoversPolicy keeps the table and the policy from drifting apart:
// the table has exactly one line per role and per (object, action) pair of
// policy.csv, and policy.csv allows exactly what the table says a role may do
// in its own brand.
func TestMatrixCoversPolicy(t *testing.T) {
	type pair struct{ object, action string }
	type line struct {
		role domain.Role
		pair
	}

	inPolicy := map[pair]bool{}
	for _, p := range authz.Actions() {
		inPolicy[pair{p[0], p[1]}] = true
	}
	inTable := map[pair]bool{}
	seen := map[line]bool{}
	allowedByTable := map[line]bool{}
	for _, tt := range matrix {
		l := line{tt.role, pair{tt.object, tt.action}}
		if seen[l] {
			t.Errorf("table lists %s %s %s twice", tt.role, tt.object, tt.action)
		}
		seen[l] = true
		inTable[l.pair] = true
		if tt.own {
			allowedByTable[l] = true
		}
		if !tt.role.Valid() {
			t.Errorf("table names unknown role %q", tt.role)
		}
	}
	for p := range inPolicy {
		if !inTable[p] {
			t.Errorf("policy.csv allows %s %s, which the table does not cover", p.object, p.action)
		}
	}
	for p := range inTable {
		if !inPolicy[p] {
			t.Errorf("table covers %s %s, which no line of policy.csv names", p.object, p.action)
		}
		if !authz.IsKnownAction(p.object, p.action) {
			t.Errorf("IsKnownAction(%q, %q) = false", p.object, p.action)
		}
		for _, r := range domain.Roles {
			if !seen[line{r, p}] {
				t.Errorf("table has no line for %s %s %s", r, p.object, p.action)
			}
		}
	}
	if want := len(domain.Roles) * len(inPolicy); len(matrix) != want {
		t.Errorf("table has %d lines, want %d roles × %d pairs = %d", len(matrix), len(domain.Roles), len(inPolicy), want)
	}

	allowedByPolicy := map[line]bool{}
	for _, rec := range policyLines(t) {
		role := domain.Role(rec[1])
		if !role.Valid() {
			t.Errorf("policy.csv names %q, which is not a domain.Role", rec[1])
		}
		l := line{role, pair{rec[2], rec[3]}}
		if allowedByPolicy[l] {
			t.Errorf("policy.csv repeats %s", strings.Join(rec, ", "))
		}
		allowedByPolicy[l] = true
		if !allowedByTable[l] {
			t.Errorf("policy.csv allows %s %s %s; the table says no", role, l.object, l.action)
		}
	}
	for l := range allowedByTable {
		if !allowedByPolicy[l] {
			t.Errorf("the table allows %s %s %s; policy.csv has no such line", l.role, l.object, l.action)
		}
	}
}

func TestModelIsEmbedded(t *testing.T) {
	for _, s := range []string{"[request_definition]", "[policy_definition]", "[role_definition]", "[policy_effect]", "[matchers]"} {
		if !strings.Contains(policies.Model(), s) {
			t.Errorf("model.conf lacks %s", s)
		}
	}
}
