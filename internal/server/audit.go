package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// verifyAudit re-computes the whole audit hash chain and reports the first
// broken link, if any.
func (s *Server) verifyAudit(c echo.Context) error {
	r, err := s.store.VerifyAudit(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
