package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func TestCampaigns(t *testing.T) {
	f := newApprovedFixtureOn(t, "sqlite")
	other := f.createAsset(t, f.marketer, "ZEL-CAMP-2", "ZELTRA")
	now := f.clock.Now()
	in := campaignBody("ZELTRA", "Spring launch", now, now.Add(10*24*time.Hour), f.asset.ID, other.ID)
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/campaigns", f.rep, in), http.StatusForbidden, "forbidden")
	cp := decode[domain.Campaign](t, f.api(t, http.MethodPost, "/api/v1/campaigns", f.marketer, in), http.StatusCreated)
	if cp.State != "draft" || len(cp.AssetIDs) != 2 {
		t.Fatalf("campaign = %+v", cp)
	}
	// Nothing published yet, and then a piece expiring before the end: 409 naming the blockers.
	d := decodeError(t, f.api(t, http.MethodPost, "/api/v1/campaigns/"+cp.ID+"/publish", f.marketer, nil), http.StatusConflict, "conflict")
	if d.Fields["ZEL-REV-1"] == "" || d.Fields["ZEL-CAMP-2"] == "" {
		t.Fatalf("blockers = %v", d.Fields)
	}
	f.publishFor(t, 5*24*time.Hour)
	d = decodeError(t, f.api(t, http.MethodPost, "/api/v1/campaigns/"+cp.ID+"/publish", f.marketer, nil), http.StatusConflict, "conflict")
	if d.Fields["ZEL-REV-1"] == "" || d.Fields["ZEL-REV-1"] == "has no published version" {
		t.Fatalf("blockers after a short publication = %v", d.Fields)
	}
	// A campaign with one piece valid through its end goes live.
	short := campaignBody("ZELTRA", "Quick push", now, now.Add(4*24*time.Hour), f.asset.ID)
	cp2 := decode[domain.Campaign](t, f.api(t, http.MethodPost, "/api/v1/campaigns", f.marketer, short), http.StatusCreated)
	live := decode[domain.Campaign](t, f.api(t, http.MethodPost, "/api/v1/campaigns/"+cp2.ID+"/publish", f.marketer, nil), http.StatusOK)
	if live.State != "live" {
		t.Fatalf("state = %s", live.State)
	}
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/campaigns/"+cp2.ID+"/publish", f.marketer, nil), http.StatusConflict, "conflict")
	kits := decode[struct{ Campaigns []domain.Campaign }](t, f.api(t, http.MethodGet, "/api/v1/campaigns", f.rep, nil), http.StatusOK)
	if len(kits.Campaigns) != 1 || len(kits.Campaigns[0].Kit) != 1 || kits.Campaigns[0].Kit[0].VersionID != f.version.ID {
		t.Fatalf("rep kits = %+v", kits.Campaigns)
	}
	// The rep's library page shows the kit.
	w := webSignIn(t, f.testServer, "rep@example.com")
	if body := w.do(t, http.MethodGet, "/library", nil).Body.String(); !strings.Contains(body, "Campaign kits") ||
		!strings.Contains(body, "Quick push") {
		t.Fatal("the rep's library does not show the live campaign kit")
	}
	// Withdrawal puts the live campaign at risk and tells its owner.
	decode[domain.Version](
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/withdraw", f.regulatory, map[string]any{"reason": "New safety data"}),
		http.StatusOK,
	)
	all := decode[struct{ Campaigns []domain.Campaign }](t, f.api(t, http.MethodGet, "/api/v1/campaigns", f.marketer, nil), http.StatusOK)
	atRisk := 0
	for _, c := range all.Campaigns {
		if c.AtRisk {
			atRisk++
		}
	}
	if len(all.Campaigns) != 2 || atRisk != 1 {
		t.Fatalf("campaigns after withdrawal = %+v", all.Campaigns)
	}
	notes := decode[struct{ Notifications []domain.Notification }](
		t,
		f.api(t, http.MethodGet, "/api/v1/me/notifications", f.marketer, nil),
		http.StatusOK,
	)
	found := false
	for _, n := range notes.Notifications {
		found = found || n.Kind == "campaign_at_risk"
	}
	if !found {
		t.Fatalf("no at-risk notification: %+v", notes.Notifications)
	}
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/campaigns/no-such/publish", f.marketer, nil), http.StatusNotFound, "not_found")
}

// TestCampaignViewIsChosenPerBrand: a marketer of one brand who is a rep of
// another sees every campaign of the first, and of the second only live
// campaigns as kits, without drafts or risk flags.
func TestCampaignViewIsChosenPerBrand(t *testing.T) {
	forEachBackend(t, campaignViewPerBrand)
}

func campaignViewPerBrand(t *testing.T, backend string) {
	f := newApprovedFixtureOn(t, backend)
	now := f.clock.Now()
	f.publishFor(t, 30*24*time.Hour)
	campaign := func(token, brand, name string, assetIDs ...string) domain.Campaign {
		in := campaignBody(brand, name, now, now.Add(10*24*time.Hour), assetIDs...)
		return decode[domain.Campaign](t, f.api(t, http.MethodPost, "/api/v1/campaigns", token, in), http.StatusCreated)
	}
	live := campaign(f.marketer, "ZELTRA", "ZELTRA launch", f.asset.ID)
	decode[domain.Campaign](t, f.api(t, http.MethodPost, "/api/v1/campaigns/"+live.ID+"/publish", f.marketer, nil), http.StatusOK)
	zeltraDraft := campaign(f.marketer, "ZELTRA", "ZELTRA next wave (draft)", f.asset.ID)
	otherAsset := f.createAsset(t, f.other, "OTH-CAMP-1", "OTHER")
	otherDraft := campaign(f.other, "OTHER", "OTHER plan (draft)", otherAsset.ID)
	// A withdrawal puts the live campaign at risk, for marketing's eyes.
	decode[domain.Version](
		t,
		f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/withdraw", f.regulatory, map[string]any{"reason": "New safety data"}),
		http.StatusOK,
	)

	f.addUser(t, "mixed@example.com", "marketer:OTHER", "rep:ZELTRA")
	mixed := f.login(t, "mixed@example.com")
	got := decode[struct{ Campaigns []domain.Campaign }](
		t,
		f.api(t, http.MethodGet, "/api/v1/campaigns", mixed, nil),
		http.StatusOK,
	).Campaigns
	byID := map[string]domain.Campaign{}
	for _, c := range got {
		byID[c.ID] = c
	}
	if _, ok := byID[zeltraDraft.ID]; ok {
		t.Errorf("a rep of ZELTRA sees its draft campaign")
	}
	if c, ok := byID[live.ID]; !ok {
		t.Errorf("a rep of ZELTRA does not see its live campaign: %+v", got)
	} else if c.AtRisk || c.RiskReason != "" || len(c.AssetIDs) != 0 || len(c.Kit) != 0 {
		// Its only piece was withdrawn: the kit is empty and names nothing.
		t.Errorf("a rep of ZELTRA sees how the campaign is run: %+v", c)
	}
	if c, ok := byID[otherDraft.ID]; !ok || c.State != "draft" || len(c.AssetIDs) != 1 {
		t.Errorf("a marketer of OTHER does not see its draft: %+v", got)
	}
	if len(got) != 2 {
		t.Errorf("campaigns = %+v, want the live kit and the OTHER draft", got)
	}
	// The marketer of ZELTRA still sees everything of ZELTRA.
	all := decode[struct{ Campaigns []domain.Campaign }](
		t,
		f.api(t, http.MethodGet, "/api/v1/campaigns", f.marketer, nil),
		http.StatusOK,
	).Campaigns
	if len(all) != 2 || (!all[0].AtRisk && !all[1].AtRisk) {
		t.Errorf("ZELTRA marketer's campaigns = %+v", all)
	}
	// The library page of the same person shows kits only.
	w, _ := signedInWeb(t, f.testServer, "mixed@example.com", "/library")
	body := w.do(t, http.MethodGet, "/library", nil).Body.String()
	if !strings.Contains(body, "ZELTRA launch") || strings.Contains(body, "(draft)") {
		t.Errorf("the library page's kits are wrong:\n%s", body)
	}
}

// campaignBody is the API body of a new campaign for health-care
// professionals, running from start to end with the given assets.
func campaignBody(brand, name string, start, end time.Time, assetIDs ...string) map[string]any {
	return map[string]any{
		"brand":     brand,
		"name":      name,
		"audience":  "hcp",
		"starts_at": start,
		"ends_at":   end,
		"asset_ids": assetIDs,
	}
}
