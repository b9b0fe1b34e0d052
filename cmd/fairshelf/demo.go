package main

import (
	"context"
	"log/slog"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/password"
	"github.com/fairshelf/fairshelf/internal/store"
)

// DemoPassword is every demo user's password (see PRODUCT.md).
const demoPassword = "fairshelf-demo"

// demoBrand is the fictional brand the demo data is about.
const demoBrand = "ZELTRA"

// seedDemo creates the demo brand and one user per role, unless they exist:
// running "serve --demo" again is harmless.
func seedDemo(ctx context.Context, st *store.Store, log *slog.Logger) error {
	actor := domain.Actor{Name: "demo seed"}
	brands, err := st.ListBrands(ctx)
	if err != nil {
		return err
	}
	hasBrand := false
	for _, b := range brands {
		hasBrand = hasBrand || b.Code == demoBrand
	}
	if !hasBrand {
		if _, err := st.CreateBrand(ctx, actor, demoBrand, "Zeltra (zeltaparin) tablets"); err != nil {
			return err
		}
	}
	hash, err := password.Hash(demoPassword, password.Default)
	if err != nil {
		return err
	}
	users := []struct {
		email, name string
		role        domain.Role
		brand       string
	}{
		{"admin@demo.test", "Ada Admin", domain.RoleAdmin, domain.AllBrands},
		{"marketer@demo.test", "Mira Marketer", domain.RoleMarketer, demoBrand},
		{"medical@demo.test", "Dr. Mel Medical", domain.RoleMedicalReviewer, demoBrand},
		{"legal@demo.test", "Lee Legal", domain.RoleLegalReviewer, demoBrand},
		{"regulatory@demo.test", "Rae Regulatory", domain.RoleRegulatoryReviewer, demoBrand},
		{"rep@demo.test", "Ray Rep", domain.RoleRep, demoBrand},
		{"auditor@demo.test", "Aud Auditor", domain.RoleAuditor, domain.AllBrands},
	}
	created := 0
	for _, u := range users {
		if _, err := st.CredentialsByEmail(ctx, u.email); err == nil {
			continue
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		in := domain.NewUser{Email: u.email, DisplayName: u.name, Password: demoPassword, Roles: []domain.RoleAssignment{{Role: u.role, Brand: u.brand}}}
		if err := in.Validate(); err != nil {
			return err
		}
		if _, err := st.CreateUser(ctx, actor, in, hash); err != nil {
			return err
		}
		created++
	}
	log.Info("demo data ready", "brand", demoBrand, "users_created", created, "password", demoPassword)
	return nil
}
