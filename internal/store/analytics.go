package store

import (
	"context"
	"slices"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func scopeIn(b domain.BrandScope, column string) (string, []any) {
	if b.All {
		return "1 = 1", nil
	}
	return column + " IN ?", []any{append([]string{""}, b.Brands...)}
}

// Utilization counts downloads since from, grouped by "asset", "rep" or
// "brand", most used first.
func (s *Store) Utilization(ctx context.Context, scope domain.BrandScope, by string, from time.Time) ([]domain.UsageRow, error) {
	cond, args := scopeIn(scope, "u.brand")
	var sel, group string
	q := s.db.WithContext(ctx).Table("usage_events u")
	switch by {
	case "rep":
		sel, group = "u.user_id AS item_key, users.display_name AS item_label", "u.user_id, users.display_name"
		q = q.Joins("JOIN users ON users.id = u.user_id")
	case "brand":
		sel, group = "u.brand AS item_key, u.brand AS item_label", "u.brand"
	default:
		sel, group = "u.asset_id AS item_key, assets.job_code AS item_label", "u.asset_id, assets.job_code"
		q = q.Joins("JOIN assets ON assets.id = u.asset_id")
	}
	out := []domain.UsageRow{}
	err := q.Select(sel+", COUNT(*) AS downloads, COUNT(DISTINCT u.user_id) AS reps").
		Where(cond, args...).Where("u.created_at >= ?", from.UTC()).
		Group(group).Order("downloads DESC, item_key").Limit(500).Scan(&out).Error
	return out, translate(err)
}

// Unused lists currently published pieces with no download since from.
func (s *Store) Unused(ctx context.Context, scope domain.BrandScope, from time.Time) ([]domain.UnusedRow, error) {
	cond, args := scopeIn(scope, "assets.brand")
	out := []domain.UnusedRow{}
	err := s.db.WithContext(ctx).Table("assets").
		Select("assets.id AS asset_id, assets.job_code, assets.title, assets.brand, versions.published_at").
		Joins("JOIN versions ON versions.id = assets.published_version_id").
		Where(cond, args...).Where("versions.state = ?", domain.StatePublished).
		Where("NOT EXISTS (SELECT 1 FROM usage_events u WHERE u.asset_id = assets.id AND u.created_at >= ?)", from.UTC()).
		Order("versions.published_at, assets.id").Limit(1000).Scan(&out).Error
	return out, translate(err)
}

// FeedbackCounts counts field feedback since from, grouped by "kind" or
// "asset".
func (s *Store) FeedbackCounts(ctx context.Context, scope domain.BrandScope, by string, from time.Time) ([]domain.CountRow, error) {
	cond, args := scopeIn(scope, "feedback.brand")
	q := s.db.WithContext(ctx).Table("feedback")
	sel, group := "feedback.kind AS item_key, feedback.kind AS item_label", "feedback.kind"
	if by == "asset" {
		q = q.Joins("JOIN assets ON assets.id = feedback.asset_id")
		sel, group = "feedback.asset_id AS item_key, assets.job_code AS item_label", "feedback.asset_id, assets.job_code"
	}
	out := []domain.CountRow{}
	err := q.Select(sel+", COUNT(*) AS item_count").Where(cond, args...).Where("feedback.created_at >= ?", from.UTC()).
		Group(group).Order("item_count DESC, item_key").Limit(500).Scan(&out).Error
	return out, translate(err)
}

// FindingCounts counts checker findings of each version's newest report,
// per rule.
func (s *Store) FindingCounts(ctx context.Context, scope domain.BrandScope) ([]domain.CountRow, error) {
	cond, args := scopeIn(scope, "cr.brand")
	out := []domain.CountRow{}
	err := s.db.WithContext(ctx).Table("findings f").
		Select("f.rule_id AS item_key, f.rule_id AS item_label, COUNT(*) AS item_count").
		Joins("JOIN compliance_reports cr ON cr.id = f.report_id").
		Joins("JOIN versions v ON v.compliance_report_id = cr.id").
		Where(cond, args...).Group("f.rule_id").Order("item_count DESC, item_key").Scan(&out).Error
	return out, translate(err)
}

// ReviewCycle computes cycle times (submission to approval) and the
// first-pass approval rate of initial review rounds closed since from.
func (s *Store) ReviewCycle(ctx context.Context, scope domain.BrandScope, from time.Time) (domain.ReviewStats, error) {
	cond, args := scopeIn(scope, "assets.brand")
	var rows []struct {
		VersionID, Status     string
		Number                int
		SubmittedAt, ClosedAt time.Time
	}
	err := s.db.WithContext(ctx).Table("review_rounds r").
		Select("r.version_id, r.status, r.number, r.submitted_at, r.closed_at").
		Joins("JOIN versions ON versions.id = r.version_id").Joins("JOIN assets ON assets.id = versions.asset_id").
		Where(cond, args...).Where("r.kind = ? AND r.closed_at IS NOT NULL AND r.closed_at >= ?", "initial", from.UTC()).
		Order("r.closed_at").Scan(&rows).Error
	if err != nil {
		return domain.ReviewStats{}, translate(err)
	}
	var st domain.ReviewStats
	var hours []float64
	decided := map[string]bool{}
	for _, r := range rows {
		st.Rounds++
		if r.Status == "approved" {
			st.Approved++
			hours = append(hours, r.ClosedAt.Sub(r.SubmittedAt).Hours())
		}
		if r.Number == 1 && !decided[r.VersionID] {
			decided[r.VersionID] = true
			st.VersionsDecided++
			if r.Status == "approved" {
				st.FirstPassApproved++
			}
		}
	}
	slices.Sort(hours)
	st.MedianHours, st.P90Hours = percentile(hours, 0.5), percentile(hours, 0.9)
	if st.VersionsDecided > 0 {
		st.FirstPassRate = float64(st.FirstPassApproved) / float64(st.VersionsDecided)
	}
	return st, nil
}

// percentile returns the p-quantile of sorted values (nearest rank), 0 for
// none.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// ExpiryBacklog counts published pieces by how soon they expire.
func (s *Store) ExpiryBacklog(ctx context.Context, scope domain.BrandScope, now time.Time) ([]domain.CountRow, error) {
	out := []domain.CountRow{}
	for _, b := range []struct {
		label string
		days  int
	}{{"within 30 days", 30}, {"31-60 days", 60}, {"61-90 days", 90}} {
		items, err := s.ExpiringSoon(ctx, scope.All, scope.Brands, now, now.AddDate(0, 0, b.days))
		if err != nil {
			return nil, err
		}
		n := int64(len(items))
		for _, prev := range out {
			n -= prev.Count
		}
		out = append(out, domain.CountRow{Key: b.label, Label: b.label, Count: n})
	}
	return out, nil
}
