package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// approvalRecord gathers what the approval record shows.
type approvalRecord struct {
	Asset   domain.Asset
	Version domain.Version
	Rounds  []domain.ReviewRound
	Reports map[string]domain.CheckReport
	Printed string
	Threads []domain.Annotation
}

func (s *Server) loadApprovalRecord(c echo.Context) (approvalRecord, error) {
	v, err := s.visibleVersion(c, "version", "read")
	if err != nil {
		return approvalRecord{}, err
	}
	ctx := c.Request().Context()
	a, err := s.store.Asset(ctx, v.AssetID)
	if err != nil {
		return approvalRecord{}, err
	}
	rounds, err := s.store.ReviewHistory(ctx, v.ID)
	if err != nil {
		return approvalRecord{}, err
	}
	rec := approvalRecord{
		Asset:   a,
		Version: v,
		Rounds:  rounds,
		Reports: map[string]domain.CheckReport{},
		Printed: s.now().UTC().Format("2006-01-02 15:04:05 UTC"),
	}
	if rec.Threads, err = s.store.Annotations(ctx, v.ID); err != nil {
		return approvalRecord{}, err
	}
	for _, r := range rounds {
		if r.ReportID == "" {
			continue
		}
		rep, err := s.store.Report(ctx, r.ReportID)
		if err != nil {
			return approvalRecord{}, err
		}
		rec.Reports[r.ReportID] = rep
	}
	return rec, nil
}

// approvalRecordView is what approval_record.html shows.
type approvalRecordView struct {
	*pageData
	Data approvalRecord
}

func (approvalRecordView) templateName() string { return "approval_record.html" }

func (s *Server) approvalRecordPage(c echo.Context) error {
	rec, err := s.loadApprovalRecord(c)
	if err != nil {
		return err
	}
	data := approvalRecordView{pageData: s.pageData(c, "Approval record"), Data: rec}
	return s.renderPage(c, http.StatusOK, data)
}

func (s *Server) approvalRecordPDF(c echo.Context) error {
	rec, err := s.loadApprovalRecord(c)
	if err != nil {
		return err
	}
	pdf, err := renderApprovalPDF(rec)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("approval-record-%s-v%d.pdf", rec.Asset.JobCode, rec.Version.Number)
	c.Response().Header().Set(echo.HeaderContentDisposition, contentDisposition("attachment", domain.SanitizeFilename(name)))
	c.Response().Header().Set("Content-Security-Policy", contentPolicy) // a file, never a page
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
