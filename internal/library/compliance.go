package library

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
func (l *Library) Check(ctx context.Context, actor domain.Actor, versionID string, now time.Time) (domain.ComplianceReport, error) {
	r, err := l.Evaluate(ctx, versionID, now)
	if err != nil {
		return r, err
	}
	return l.store.SaveReport(ctx, actor, r)
}

// Evaluate runs the fair-balance checker on a version like Check but
// stores nothing: a submission stores the report in the same transaction
// as the review round, so that a refused submission leaves no report.
func (l *Library) Evaluate(ctx context.Context, versionID string, now time.Time) (domain.ComplianceReport, error) {
	in, err := l.store.CheckInput(ctx, versionID)
	if err != nil {
		return domain.ComplianceReport{}, err
	}
	var lines []domain.TextLine
	if err := json.Unmarshal(in.Text, &lines); err != nil {
		return domain.ComplianceReport{}, fmt.Errorf("library: text of version %s: %w", versionID, err)
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
	return domain.ComplianceReport{
		VersionID: versionID, Brand: in.Version.Brand, LabelVersion: in.Label.Version, RulesVersion: rules.Version, Findings: findings,
	}, nil
}
