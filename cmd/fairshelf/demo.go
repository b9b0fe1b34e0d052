package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/object"
	"github.com/fairshelf/fairshelf/internal/password"
	"github.com/fairshelf/fairshelf/internal/store"
)

// DemoPassword is every demo user's password (see PRODUCT.md).
const demoPassword = "fairshelf-demo"

// demoBrand is the fictional brand the demo data is about.
const demoBrand = "ZELTRA"

// seedDemo creates the demo brand with its claims, one user per role and a
// draft piece, unless they exist: running "serve --demo" again is harmless.
// Nothing is signed or published on anyone's behalf: approvals are for the
// demo users to give.
func seedDemo(ctx context.Context, st *store.Store, lib *object.Service, log *slog.Logger) error {
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
		in := domain.NewUser{
			Email:       u.email,
			DisplayName: u.name,
			Password:    demoPassword,
			Roles:       []domain.RoleAssignment{{Role: u.role, Brand: u.brand}},
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if _, err := st.CreateUser(ctx, actor, in, hash); err != nil {
			return err
		}
		created++
	}
	if err := seedDemoContent(ctx, st, lib); err != nil {
		return err
	}
	log.Info("demo data ready", "brand", demoBrand, "users_created", created, "password", demoPassword)
	return nil
}

// seedDemoContent adds the demo claims and a draft detail aid uploaded by the
// demo marketer, once.
func seedDemoContent(ctx context.Context, st *store.Store, lib *object.Service) error {
	claims, err := st.Claims(ctx, demoBrand)
	if err != nil || len(claims) > 0 {
		return err
	}
	actor := domain.Actor{Name: "demo seed"}
	for _, c := range []domain.NewClaim{
		{Text: "ZELTRA reduced the risk of stroke or systemic embolism compared with warfarin (1.3% vs 1.6% per year).",
			Category: "comparative", References: []string{"ZELTRA-AF trial, N Engl J Med 2025 (fictional)."}},
		{Text: "ZELTRA is taken once daily, with or without food.", Category: "dosing",
			References: []string{"ZELTRA Prescribing Information, section 2."}},
	} {
		if err := c.Validate(); err != nil {
			return err
		}
		if _, err := st.CreateClaim(ctx, actor, demoBrand, c, checker.Recheck); err != nil {
			return err
		}
	}
	creds, err := st.CredentialsByEmail(ctx, "marketer@demo.test")
	if err != nil {
		return err
	}
	marketer := domain.Actor{UserID: creds.User.ID, Name: creds.User.DisplayName}
	in := domain.NewAsset{
		JobCode:  "ZEL-DEMO-001",
		Title:    "ZELTRA HCP detail aid (demo)",
		Brand:    demoBrand,
		Audience: "hcp",
		Channel:  "detail_aid",
		Tags:     []string{"demo"},
	}
	if err := in.Validate(); err != nil {
		return err
	}
	a, err := st.CreateAsset(ctx, marketer, in)
	if err != nil {
		return err
	}
	v, err := lib.Upload(ctx, marketer, a.ID, "zeltra-detail-aid.txt", strings.NewReader(demoPiece))
	if err != nil {
		return err
	}
	if _, err = st.Check(ctx, marketer, v.ID, time.Now(), checker.Recheck); err != nil {
		return err
	}
	// A printed piece, so that the review workbench has pages to show.
	in = domain.NewAsset{JobCode: "ZEL-DEMO-002", Title: "ZELTRA efficacy leave-behind (demo)", Brand: demoBrand,
		Audience: "hcp", Channel: "leave_behind", Tags: []string{"demo"}}
	if err := in.Validate(); err != nil {
		return err
	}
	if a, err = st.CreateAsset(ctx, marketer, in); err != nil {
		return err
	}
	pdf, err := demoLeaveBehind()
	if err != nil {
		return err
	}
	if v, err = lib.Upload(ctx, marketer, a.ID, "zeltra-leave-behind.pdf", bytes.NewReader(pdf)); err != nil {
		return err
	}
	_, err = st.Check(ctx, marketer, v.ID, time.Now(), checker.Recheck)
	return err
}

// demoLeaveBehind lays out a two-page printed piece: headline, claim with
// its reference, indication and, on both pages, the safety information.
func demoLeaveBehind() ([]byte, error) {
	p := fpdf.New("P", "pt", "Letter", "")
	p.SetMargins(54, 54, 54)
	p.SetAutoPageBreak(false, 54)
	isi := func() {
		p.SetFillColor(240, 240, 240)
		p.SetXY(54, 560)
		p.SetFont("Helvetica", "B", 11)
		p.CellFormat(504, 18, "Important Safety Information", "", 1, "L", true, 0, "")
		p.SetFont("Helvetica", "", 10)
		p.MultiCell(504, 14, "WARNING: SERIOUS AND FATAL BLEEDING. ZELTRA can cause serious and fatal bleeding. "+
			"Do not take ZELTRA if you have active pathological bleeding. Premature discontinuation of ZELTRA increases the risk "+
			"of thrombotic events. Please see full Prescribing Information, including Boxed Warning.", "", "L", true)
	}
	p.AddPage()
	p.SetFont("Helvetica", "B", 26)
	p.SetTextColor(20, 60, 120)
	p.MultiCell(504, 32, "Fewer strokes. Once a day.", "", "L", false)
	p.SetTextColor(0, 0, 0)
	p.Ln(12)
	p.SetFont("Helvetica", "", 13)
	p.MultiCell(504, 18, "ZELTRA (zeltaparin) reduced the risk of stroke or systemic embolism compared with warfarin (1.3% vs 1.6% per year).1",
		"", "L", false)
	p.Ln(8)
	p.MultiCell(504, 18, "ZELTRA is taken once daily, with or without food.", "", "L", false)
	p.Ln(8)
	p.SetFont("Helvetica", "I", 11)
	p.MultiCell(504, 16, "ZELTRA (zeltaparin) tablets are indicated for the reduction of the risk of stroke in adults with "+
		"non-valvular atrial fibrillation.", "", "L", false)
	p.SetXY(54, 520)
	p.SetFont("Helvetica", "", 8)
	p.MultiCell(504, 10, "1. ZELTRA-AF trial, N Engl J Med 2025 (fictional).", "", "L", false)
	isi()
	p.AddPage()
	p.SetFont("Helvetica", "B", 18)
	p.MultiCell(504, 24, "Dosing", "", "L", false)
	p.SetFont("Helvetica", "", 12)
	p.MultiCell(504, 17, "One tablet daily, with or without food. No routine coagulation monitoring.", "", "L", false)
	isi()
	var b bytes.Buffer
	err := p.Output(&b)
	return b.Bytes(), err
}

// demoPiece is fair-balanced copy for the demo brand.
const demoPiece = `WARNING: SERIOUS AND FATAL BLEEDING
ZELTRA (zeltaparin) tablets
ZELTRA is indicated for the reduction of the risk of stroke in adults with non-valvular atrial fibrillation.
ZELTRA is taken once daily, with or without food.
Important Safety Information
ZELTRA can cause serious and fatal bleeding.
Do not take ZELTRA if you have active pathological bleeding.
Premature discontinuation of ZELTRA increases the risk of thrombotic events.
Please see full Prescribing Information, including Boxed Warning.
`

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
