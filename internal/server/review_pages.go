package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func (s *Server) reviewsPage(c echo.Context) error {
	tasks, err := s.store.OpenTasks(c.Request().Context(), principalOf(c).user.ID, s.reviewScopes(c))
	if err != nil {
		return err
	}
	data := s.pageData(c, "Review queue")
	data.Data = map[string]any{"Tasks": tasks, "Now": s.now()}
	return s.renderPage(c, http.StatusOK, "reviews.html", data)
}

// backToVersion redirects to the asset page showing the version.
func backToVersion(c echo.Context, v domain.Version) error {
	return c.Redirect(http.StatusSeeOther, "/assets/"+url.PathEscape(v.AssetID)+"?version="+url.QueryEscape(v.ID))
}

// showAssetError renders the asset page again with the problem, for forms
// on that page whose input was refused.
func (s *Server) showAssetError(c echo.Context, v domain.Version, err error) error {
	code := domain.ErrorCode(err)
	status := map[string]int{domain.EINVALID: http.StatusUnprocessableEntity, domain.ECONFLICT: http.StatusConflict, domain.EFORBIDDEN: http.StatusForbidden}[code]
	if status == 0 {
		return err
	}
	msg := domain.ErrorMessage(err)
	for field, m := range domain.ErrorFields(err) {
		msg += " " + field + ": " + m
	}
	c.Set("flash_error", msg)
	c.SetParamNames("id")
	c.SetParamValues(v.AssetID)
	c.QueryParams().Set("version", v.ID)
	return s.assetPageWithStatus(c, status)
}

func (s *Server) webSubmitVersion(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "submit")
	if err != nil {
		return err
	}
	if _, err := s.submitVersion(c, v); err != nil {
		return s.showAssetError(c, v, err)
	}
	s.setFlash(c, "submitted")
	return backToVersion(c, v)
}

func (s *Server) webDecide(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "read")
	if err != nil {
		return err
	}
	in := decisionRequest{signatureRequest: signatureRequest{Password: c.FormValue("password"), Meaning: c.FormValue("meaning")},
		Function: c.FormValue("function"), Decision: c.FormValue("decision"), Comment: c.FormValue("comment")}
	if _, err := s.decide(c, v, in); err != nil {
		return s.showAssetError(c, v, err)
	}
	s.setFlash(c, "decided")
	return backToVersion(c, v)
}

func (s *Server) webAddComment(c echo.Context) error {
	v, err := s.visibleVersion(c, "comment", "create")
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.FormValue("page"))
	if _, err := s.addComment(c, v, commentRequest{Body: c.FormValue("body"), Page: page}); err != nil {
		return s.showAssetError(c, v, err)
	}
	s.setFlash(c, "commented")
	return backToVersion(c, v)
}

// approvalRecord gathers what the approval record shows.
type approvalRecord struct {
	Asset   domain.Asset
	Version domain.Version
	Rounds  []domain.ReviewRound
	Reports map[string]domain.CheckReport
	Printed string
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
	rec := approvalRecord{Asset: a, Version: v, Rounds: rounds, Reports: map[string]domain.CheckReport{}, Printed: s.now().UTC().Format("2006-01-02 15:04:05 UTC")}
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

func (s *Server) approvalRecordPage(c echo.Context) error {
	rec, err := s.loadApprovalRecord(c)
	if err != nil {
		return err
	}
	data := s.pageData(c, "Approval record")
	data.Data = rec
	return s.renderPage(c, http.StatusOK, "approval_record.html", data)
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
