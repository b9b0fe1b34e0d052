package object

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
)

// Check runs the fair-balance checker on a version against its brand's
// current label and claims library and stores the report as the version's
// newest. The caller must have checked that actor may run checks.
func (l *Service) Check(ctx context.Context, actor domain.Actor, versionID string, now time.Time) (domain.CheckReport, error) {
	r, err := l.Evaluate(ctx, versionID, now)
	if err != nil {
		return r, err
	}
	return l.store.SaveReport(ctx, actor, r)
}

// Evaluate runs the fair-balance checker on a version like Check but
// stores nothing: a submission stores the report in the same transaction
// as the review round, so that a refused submission leaves no report.
func (l *Service) Evaluate(ctx context.Context, versionID string, now time.Time) (domain.CheckReport, error) {
	in, err := l.store.CheckInput(ctx, versionID)
	if err != nil {
		return domain.CheckReport{}, err
	}
	return Recheck(in, now)
}

// Recheck runs the fair-balance checker with the default rules on a
// version's stored text against in.Label at now and returns the report,
// not stored. It is the store's checker for the label cascade
// (store.Recheck). A version with no stored text gets the checker's
// manual-review finding, never a pass.
func Recheck(in domain.CheckInput, now time.Time) (domain.CheckReport, error) {
	var lines []domain.TextLine
	if len(in.Text) > 0 {
		if err := json.Unmarshal(in.Text, &lines); err != nil {
			return domain.CheckReport{}, fmt.Errorf("object: text of version %s: %w", in.Version.ID, err)
		}
	}
	rules := checker.DefaultRules()
	findings := checker.Check(checker.Input{
		Piece: checker.Piece{
			Lines: lines, MediaType: in.Version.MediaType, Channel: in.Channel, Audience: in.Audience,
			TextStatus: in.Version.TextStatus, TextError: in.Version.TextError,
		},
		Label: in.Label, PreviousLabels: in.Previous, Claims: in.Claims, Now: now,
	}, rules)
	if findings == nil {
		findings = []domain.Finding{}
	}
	return domain.CheckReport{
		VersionID: in.Version.ID, Brand: in.Version.Brand, LabelVersion: in.Label.Version, RulesVersion: rules.Version, Findings: findings,
	}, nil
}
