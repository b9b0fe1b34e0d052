package store

import (
	"context"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// TestRefusedSubmitStoresNoReport submits a version that is already in
// review with a fresh checker report: the refusal rolls the report and its
// audit event back with the round, even when the state changed after the
// caller looked at it.
func TestRefusedSubmitStoresNoReport(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		versionID, author := submittedJob(t, s, "ZEL-SUB")
		count := func(table string) int64 {
			var n int64
			if err := s.db.Table(table).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		reports, events := count("compliance_reports"), count("audit_events")
		report := domain.CheckReport{VersionID: versionID, Brand: "ZELTRA", LabelVersion: 1, RulesVersion: "test",
			Findings: []domain.Finding{{RuleID: "isi.missing", Severity: domain.SeverityError, Message: "No ISI."}}}
		_, err := s.SubmitChecked(ctx, author, versionID, report, domain.ReviewFunctions, nil, c.Now().Add(time.Hour))
		if domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("second submit: %v, want a conflict", err)
		}
		if n := count("compliance_reports"); n != reports {
			t.Errorf("compliance_reports: %d before the refused submit, %d after", reports, n)
		}
		if n := count("audit_events"); n != events {
			t.Errorf("audit_events: %d before the refused submit, %d after", events, n)
		}
	})
}
