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
	if _, err := st.Brand(ctx, demoBrand); domain.ErrorCode(err) == domain.ENOTFOUND {
		b := demoBrandProfile()
		if err := b.Validate(); err != nil {
			return err
		}
		if _, err := st.CreateBrand(ctx, actor, b); err != nil {
			return err
		}
	} else if err != nil {
		return err
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

// demoBrandProfile is the label profile of the fictional demo product.
func demoBrandProfile() domain.NewBrand {
	return domain.NewBrand{
		Code: demoBrand,
		Name: "Zeltra (zeltaparin) tablets",
		Label: domain.Label{
			ProprietaryName: "ZELTRA",
			EstablishedName: "zeltaparin",
			Indication:      "ZELTRA is indicated for the reduction of the risk of stroke in adults with non-valvular atrial fibrillation.",
			ISIStatements: []string{
				"ZELTRA can cause serious and fatal bleeding.",
				"Do not take ZELTRA if you have active pathological bleeding.",
				"Premature discontinuation of ZELTRA increases the risk of thrombotic events.",
			},
			BoxedWarning:    true,
			PIReference:     "Please see full Prescribing Information, including Boxed Warning.",
			LaunchDate:      "2024-03-01",
			MaxExpiryMonths: 12,
			OffLabelTerms:   []string{"pediatric", "children", "pregnancy", "heart valve replacement"},
		},
	}
}
