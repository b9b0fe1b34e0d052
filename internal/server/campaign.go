package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/store"
)

// apiListCampaigns lists campaigns: marketers see every campaign of their
// brands; reps see the live campaigns of theirs as kits of current pieces.
func (s *Server) apiListCampaigns(c echo.Context) error {
	u := principalOf(c).user
	all, brands := s.authz.Brands(u, "campaign", "read")
	// Whoever can create campaigns manages them; everyone else sees kits.
	liveOnly := !s.authz.CanSomewhere(u, "campaign", "create")
	list, err := s.store.Campaigns(c.Request().Context(), store.BrandScope{All: all, Brands: brands}, liveOnly, s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"campaigns": list})
}

func (s *Server) apiCreateCampaign(c echo.Context) error {
	var in store.NewCampaign
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if !s.can(c, in.Brand, "campaign", "create") {
		return domain.Errorf(domain.EFORBIDDEN, "You cannot create campaigns for brand %s.", in.Brand)
	}
	cp, err := s.store.CreateCampaign(c.Request().Context(), s.actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cp)
}

func (s *Server) apiPublishCampaign(c echo.Context) error {
	all, brands := s.authz.Brands(principalOf(c).user, "campaign", "publish")
	list, err := s.store.Campaigns(c.Request().Context(), store.BrandScope{All: all, Brands: brands}, false, s.now())
	if err != nil {
		return err
	}
	found := false
	for _, cp := range list {
		found = found || cp.ID == c.Param("id")
	}
	if !found {
		return domain.Errorf(domain.ENOTFOUND, "No such campaign.")
	}
	cp, err := s.store.PublishCampaign(c.Request().Context(), s.actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cp)
}
