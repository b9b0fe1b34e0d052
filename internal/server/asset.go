package server

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// assetFilter reads the listing filters shared by the API and the web page.
func (s *Server) assetFilter(c echo.Context) (domain.AssetFilter, error) {
	f := domain.AssetFilter{
		Brand: c.QueryParam("brand"), State: domain.State(c.QueryParam("state")), Audience: domain.Audience(c.QueryParam("audience")),
		Channel: domain.Channel(c.QueryParam("channel")), Tag: c.QueryParam("tag"), Query: c.QueryParam("q"), Cursor: c.QueryParam("cursor"),
	}
	var v domain.Validation
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		v.Check(err == nil && n >= 1 && n <= 200, "limit", "Use a number from 1 to 200.")
		f.Limit = n
	}
	v.Check(f.State == "" || slices.Contains(domain.States, f.State), "state", "Unknown state.")
	v.Check(f.Audience == "" || slices.Contains(domain.Audiences, f.Audience), "audience", "Choose hcp, patient or payer.")
	v.Check(f.Channel == "" || slices.Contains(domain.Channels, f.Channel), "channel", "Unknown channel.")
	v.Check(len(f.Query) <= 200, "q", "Use at most 200 characters.")
	if err := v.Err(); err != nil {
		return f, err
	}
	f.AllBrands, f.Brands = s.authz.Brands(principalOf(c).user, "asset", "read")
	return f, nil
}

func (s *Server) apiListAssets(c echo.Context) error {
	f, err := s.assetFilter(c)
	if err != nil {
		return err
	}
	page, err := s.store.ListAssets(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) apiCreateAsset(c echo.Context) error {
	var in domain.NewAsset
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if !s.can(c, in.Brand, "asset", "create") {
		return domain.Errorf(domain.EFORBIDDEN, "You cannot create assets for brand %s.", in.Brand)
	}
	a, err := s.store.CreateAsset(c.Request().Context(), s.actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

// visibleAsset loads an asset the caller may do object/action on; anything
// else is "not found", so that the existence of other brands' material does
// not leak.
func (s *Server) visibleAsset(c echo.Context, id, object, action string) (domain.Asset, error) {
	a, err := s.store.Asset(c.Request().Context(), id)
	if err != nil {
		return a, err
	}
	if !s.can(c, a.Brand, "asset", "read") {
		return domain.Asset{}, domain.Errorf(domain.ENOTFOUND, "No such asset.")
	}
	if !s.can(c, a.Brand, object, action) {
		return domain.Asset{}, domain.Errorf(domain.EFORBIDDEN, "You do not have permission to do this.")
	}
	return a, nil
}

type assetDetail struct {
	domain.Asset
	Versions []domain.Version `json:"versions"`
}

func (s *Server) apiGetAsset(c echo.Context) error {
	a, err := s.visibleAsset(c, c.Param("id"), "asset", "read")
	if err != nil {
		return err
	}
	vs, err := s.store.Versions(c.Request().Context(), a.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, assetDetail{Asset: a, Versions: vs})
}
