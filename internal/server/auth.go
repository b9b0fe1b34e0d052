package server

import (
	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// authorize wraps a protected handler. Until a caller is authenticated every
// protected route answers 401: access is denied by default.
func (s *Server) authorize(a access, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		return domain.Errorf(domain.EUNAUTH, "Sign in to continue.")
	}
}
