package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type campaignRow struct {
	ID          string `gorm:"primaryKey"`
	Brand       string
	Name        string
	Audience    string
	StartsAt    time.Time
	EndsAt      time.Time
	State       string
	AtRisk      bool
	RiskReason  string
	OwnerID     string
	CreatedAt   time.Time
	PublishedAt *time.Time
}

func (campaignRow) TableName() string { return "campaigns" }

// CreateCampaign stores a draft campaign; every asset must belong to the
// campaign's brand. Audited.
func (s *Store) CreateCampaign(ctx context.Context, actor domain.Actor, in domain.NewCampaign) (domain.Campaign, error) {
	var out domain.Campaign
	err := s.InTx(ctx, func(tx *Tx) error {
		ids := slices.Compact(slices.Sorted(slices.Values(in.AssetIDs)))
		var n int64
		if err := tx.db.Model(&assetRow{}).Where("id IN ? AND brand = ?", ids, in.Brand).Count(&n).Error; err != nil {
			return err
		}
		if int(n) != len(ids) {
			return &domain.Error{
				Code:    domain.EINVALID,
				Message: "Some fields are not valid.",
				Fields:  map[string]string{"asset_ids": "Every asset must exist and belong to brand " + in.Brand + "."},
			}
		}
		row := campaignRow{
			ID:        newID(),
			Brand:     in.Brand,
			Name:      in.Name,
			Audience:  string(in.Audience),
			StartsAt:  in.StartsAt.UTC(),
			EndsAt:    in.EndsAt.UTC(),
			State:     "draft",
			OwnerID:   actor.UserID,
			CreatedAt: tx.now,
		}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.db.Exec("INSERT INTO campaign_assets (campaign_id, asset_id) VALUES (?, ?)", row.ID, id).Error; err != nil {
				return err
			}
		}
		out = campaignFrom(row, ids)
		return tx.Audit(
			domain.AuditEntry{Actor: actor, Action: "campaign.create", ObjectType: "campaign", ObjectID: row.ID, Brand: in.Brand,
				Details: map[string]any{
					"name":      in.Name,
					"audience":  in.Audience,
					"starts_at": row.StartsAt,
					"ends_at":   row.EndsAt,
					"asset_ids": ids,
				}},
		)
	})
	return out, err
}

func campaignFrom(r campaignRow, ids []string) domain.Campaign {
	return domain.Campaign{
		ID:          r.ID,
		Brand:       r.Brand,
		Name:        r.Name,
		Audience:    domain.Audience(r.Audience),
		StartsAt:    r.StartsAt,
		EndsAt:      r.EndsAt,
		State:       r.State,
		AtRisk:      r.AtRisk,
		RiskReason:  r.RiskReason,
		OwnerID:     r.OwnerID,
		CreatedAt:   r.CreatedAt,
		PublishedAt: r.PublishedAt,
		AssetIDs:    ids,
	}
}

func (tx *Tx) campaignAssets(id string) ([]string, error) {
	var ids []string
	err := tx.db.Table("campaign_assets").Where("campaign_id = ?", id).Order("asset_id").Pluck("asset_id", &ids).Error
	return ids, err
}

// PublishCampaign makes a draft campaign live. Every asset needs a current
// published version that stays valid through the campaign's end; otherwise
// the answer is ECONFLICT with one field per blocking asset (by job code).
// Audited.
func (s *Store) PublishCampaign(ctx context.Context, actor domain.Actor, id string) (domain.Campaign, error) {
	var out domain.Campaign
	err := s.InTx(ctx, func(tx *Tx) error {
		var row campaignRow
		if err := tx.db.Where("id = ?", id).Take(&row).Error; err != nil {
			return notFound(err, "No such campaign.")
		}
		if row.State != "draft" {
			return domain.Errorf(domain.ECONFLICT, "The campaign is already %s.", row.State)
		}
		ids, err := tx.campaignAssets(id)
		if err != nil {
			return err
		}
		blockers := map[string]string{}
		for _, aid := range ids {
			var cur struct {
				JobCode           string
				State             *string
				ExpiresAt, Passed *time.Time
				ReportPassed      *bool
			}
			err := tx.db.Table("assets").Select("assets.job_code, versions.state, versions.expires_at, cr.passed AS report_passed").
				Joins("LEFT JOIN versions ON versions.id = assets.published_version_id").
				Joins("LEFT JOIN compliance_reports cr ON cr.id = versions.compliance_report_id").
				Where("assets.id = ?", aid).Take(&cur).Error
			if err != nil {
				return err
			}
			switch {
			case cur.State == nil || domain.State(*cur.State) != domain.StatePublished:
				blockers[cur.JobCode] = "has no published version"
			case cur.ExpiresAt == nil || cur.ExpiresAt.Before(row.EndsAt):
				blockers[cur.JobCode] = fmt.Sprintf("expires %s, before the campaign ends", cur.ExpiresAt.UTC().Format("2006-01-02"))
			case cur.ReportPassed == nil || !*cur.ReportPassed:
				blockers[cur.JobCode] = "its compliance report does not pass"
			}
		}
		if len(blockers) > 0 {
			return &domain.Error{
				Code:    domain.ECONFLICT,
				Message: fmt.Sprintf("%d asset(s) block the campaign.", len(blockers)),
				Fields:  blockers,
			}
		}
		res := tx.db.Model(&campaignRow{}).
			Where("id = ? AND state = ?", id, "draft").
			Updates(map[string]any{"state": "live", "published_at": tx.now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return domain.Errorf(domain.ECONFLICT, "The campaign changed meanwhile; reload and try again.")
		}
		row.State, row.PublishedAt = "live", &tx.now
		out = campaignFrom(row, ids)
		return tx.Audit(
			domain.AuditEntry{
				Actor:      actor,
				Action:     "campaign.publish",
				ObjectType: "campaign",
				ObjectID:   id,
				Brand:      row.Brand,
				Details:    map[string]any{"asset_ids": ids},
			},
		)
	})
	return out, err
}

// flagCampaignsAtRisk marks live campaigns containing any of the assets as
// at risk, with the reason, and notifies their owners. The assets are
// looked up in chunks, so that a sweep over many stays within the
// databases' parameter limits.
func (tx *Tx) flagCampaignsAtRisk(assetIDs []string, reason string) error {
	for ids := range slices.Chunk(assetIDs, idChunk) {
		var rows []campaignRow
		q := tx.db.Where("state = ? AND at_risk = ?", "live", false).
			Where("id IN (SELECT campaign_id FROM campaign_assets WHERE asset_id IN ?)", ids)
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if err := tx.db.Model(&campaignRow{}).Where("id = ?", r.ID).
				Updates(map[string]any{"at_risk": true, "risk_reason": reason}).Error; err != nil {
				return err
			}
			if err := tx.db.Create(&notificationRow{ID: newID(), UserID: r.OwnerID, Kind: "campaign_at_risk",
				Subject: "Campaign " + r.Name + " is at risk: " + reason, Link: "/campaigns", CreatedAt: tx.now}).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// Campaigns lists the campaigns view shows, newest first; kits are filled
// with the current pieces at now.
func (s *Store) Campaigns(ctx context.Context, view domain.CampaignView, now time.Time) ([]domain.Campaign, error) {
	out := []domain.Campaign{}
	err := s.read(ctx, func(tx *Tx) error {
		manage, margs := scopeIn(view.Manage, "brand")
		kits, kargs := scopeIn(view.Kits, "brand")
		args := append(margs, kargs...)
		args = append(args, "live", now.UTC(), now.UTC())
		q := tx.db.Where("("+manage+") OR (("+kits+") AND state = ? AND starts_at <= ? AND ends_at > ?)", args...)
		var rows []campaignRow
		if err := q.Order("created_at DESC, id DESC").Limit(200).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			ids, err := tx.campaignAssets(r.ID)
			if err != nil {
				return err
			}
			c := campaignFrom(r, ids)
			if !view.Manage.Has(r.Brand) {
				kit, err := scanLibrary(
					currentScope(tx.db.Table("assets").Select(libraryColumns), now).Where("assets.id IN ?", ids).Order("assets.job_code"),
				)
				if err != nil {
					return err
				}
				// A kit shows the pieces a rep may use now, not the
				// campaign's plan or why marketing was warned about it.
				c.AtRisk, c.RiskReason = false, ""
				c.Kit = make([]domain.LibraryItem, 0, len(kit))
				c.AssetIDs = make([]string, 0, len(kit))
				for _, k := range kit {
					c.Kit = append(c.Kit, k.item())
					c.AssetIDs = append(c.AssetIDs, c.Kit[len(c.Kit)-1].AssetID)
				}
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}
