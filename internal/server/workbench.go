package server

import (
	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// workbenchPage is the reviewer's view of one version: its pages with
// findings and comments pinned where they apply, and the decision panel.
func (s *Server) workbenchPage(c echo.Context) error {
	return domain.Errorf(domain.ENOTFOUND, "No such page.")
}

// comparePage shows what changed between two versions of an asset.
func (s *Server) comparePage(c echo.Context) error {
	return domain.Errorf(domain.ENOTFOUND, "No such page.")
}
