package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/checker"
	"github.com/fairshelf/fairshelf/internal/domain"
)

func (s *Server) apiGetCheckReport(c echo.Context) error {
	return versionJSON(s, c, "compliance", "read", http.StatusOK, func(v domain.Version) (domain.CheckReport, error) {
		return s.store.LatestReport(c.Request().Context(), v.ID)
	})
}

func (s *Server) apiRunCheck(c echo.Context) error {
	return versionJSON(s, c, "compliance", "run", http.StatusCreated, func(v domain.Version) (domain.CheckReport, error) {
		return s.store.Check(c.Request().Context(), s.actor(c), v.ID, s.now(), checker.Recheck)
	})
}

func (s *Server) webRunCheck(c echo.Context) error {
	v, err := s.visibleVersion(c, "compliance", "run")
	if err != nil {
		return err
	}
	if _, err := s.store.Check(c.Request().Context(), s.actor(c), v.ID, s.now(), checker.Recheck); err != nil {
		return err
	}
	s.setFlash(c, "checked")
	return c.Redirect(http.StatusSeeOther, "/assets/"+url.PathEscape(v.AssetID)+"?version="+url.QueryEscape(v.ID))
}

// checkAfterUpload runs the checker on a fresh upload so that its author
// sees the findings at once. A failure is logged, not returned: the version
// is stored, and the check can be run again.
func (s *Server) checkAfterUpload(c echo.Context, v domain.Version) {
	if _, err := s.store.Check(c.Request().Context(), s.actor(c), v.ID, s.now(), checker.Recheck); err != nil {
		s.log.Warn("compliance: check after upload failed", "version_id", v.ID, "err", err, "request_id", requestID(c))
	}
}

type waiveRequest struct {
	signatureRequest
	Justification string `json:"justification"`
}

func (s *Server) apiWaiveFinding(c echo.Context) error {
	return versionJSONBody(s, c, "compliance", "waive", http.StatusOK, func(v domain.Version, in waiveRequest) (domain.CheckReport, error) {
		return s.waive(c, v, c.Param("fid"), in)
	})
}

func (s *Server) webWaiveFinding(c echo.Context) error {
	return s.versionForm(c, "compliance", "waive", "waived", func(v domain.Version) error {
		in := waiveRequest{
			signatureRequest: signatureRequest{Password: c.FormValue("password"), Meaning: c.FormValue("meaning")},
			Justification:    c.FormValue("justification"),
		}
		_, err := s.waive(c, v, c.Param("fid"), in)
		return err
	})
}

func (s *Server) waive(c echo.Context, v domain.Version, findingID string, in waiveRequest) (domain.CheckReport, error) {
	var val domain.Validation
	justification := strings.TrimSpace(in.Justification)
	val.Check(
		len(justification) >= 10 && len(justification) <= 2000,
		"justification",
		"Explain in at least 10 characters why this finding does not apply.",
	)
	// verifySignature records a field message whenever it refuses.
	sig, _, err := s.verifySignature(c, in.signatureRequest, &val)
	if err != nil {
		return domain.CheckReport{}, err
	}
	if err := val.Err(); err != nil {
		return domain.CheckReport{}, err
	}
	sig.Function, sig.ContentSHA256 = domain.FunctionRegulatory, v.SHA256
	return s.store.WaiveFinding(c.Request().Context(), s.actor(c), v.ID, findingID, justification, sig)
}
