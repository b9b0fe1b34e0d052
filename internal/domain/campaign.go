package domain

import (
	"slices"
	"strings"
	"time"
)

// Campaign is a brand's bundle of pieces for an audience and a period.
type Campaign struct {
	ID          string        `json:"id"`
	Brand       string        `json:"brand"`
	Name        string        `json:"name"`
	Audience    Audience      `json:"audience"`
	StartsAt    time.Time     `json:"starts_at"`
	EndsAt      time.Time     `json:"ends_at"`
	State       string        `json:"state"`
	AtRisk      bool          `json:"at_risk"`
	RiskReason  string        `json:"risk_reason,omitempty"`
	OwnerID     string        `json:"owner_id"`
	CreatedAt   time.Time     `json:"created_at"`
	PublishedAt *time.Time    `json:"published_at,omitempty"`
	AssetIDs    []string      `json:"asset_ids"`
	Kit         []LibraryItem `json:"kit,omitempty"` // the current pieces, for reps
}

// NewCampaign is the input for creating a campaign.
type NewCampaign struct {
	Brand    string    `json:"brand"`
	Name     string    `json:"name"`
	Audience Audience  `json:"audience"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	AssetIDs []string  `json:"asset_ids"`
}

// Validate checks the campaign's own fields.
func (n *NewCampaign) Validate() error {
	n.Name = strings.TrimSpace(n.Name)
	var v Validation
	v.Check(ValidBrandCode(n.Brand), "brand", "Choose a brand.")
	v.Check(n.Name != "" && len(n.Name) <= 200, "name", "Name the campaign (up to 200 characters).")
	v.Check(slices.Contains(Audiences, n.Audience), "audience", "Choose hcp, patient or payer.")
	v.Check(!n.StartsAt.IsZero() && !n.EndsAt.IsZero() && n.EndsAt.After(n.StartsAt), "ends_at", "The campaign must end after it starts.")
	v.Check(len(n.AssetIDs) > 0 && len(n.AssetIDs) <= 100, "asset_ids", "Choose 1 to 100 assets.")
	return v.Err()
}

// CampaignView is what a caller sees of each brand's campaigns, chosen per
// brand: in the brands they manage, every campaign with its drafts and risk
// flags; in the brands where they only carry material, the live campaigns
// as kits of current pieces, and nothing of how they are run. A brand in
// both scopes is managed.
type CampaignView struct {
	Manage BrandScope
	Kits   BrandScope
}
