package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func (s *Server) apiListBrands(c echo.Context) error {
	all, codes := s.authz.Brands(principalOf(c).user, "brand", "read")
	brands, err := s.store.ListBrands(c.Request().Context(), all, codes)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"brands": brands})
}

func (s *Server) apiCreateBrand(c echo.Context) error {
	var in domain.NewBrand
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	b, err := s.store.CreateBrand(c.Request().Context(), s.actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

func (s *Server) apiGetBrand(c echo.Context) error {
	code := c.Param("brand")
	if !s.can(c, code, "brand", "read") {
		return domain.Errorf(domain.ENOTFOUND, "No such brand.")
	}
	b, err := s.store.Brand(c.Request().Context(), code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}
