package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// apiListCampaigns lists campaigns with the view chosen per brand (see
// campaignView).
func (s *Server) apiListCampaigns(c echo.Context) error {
	list, err := s.store.Campaigns(c.Request().Context(), s.campaignView(c), s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"campaigns": list})
}

// campaignView chooses, brand by brand, what the caller sees of campaigns:
// where they may create campaigns (marketers) every campaign, drafts and
// risk flags included; where they may only read them (reps) the live ones
// as kits. One person can be a marketer of one brand and a rep of another,
// so the choice is never made once for the whole user.
func (s *Server) campaignView(c echo.Context) domain.CampaignView {
	u := principalOf(c).user
	allManage, manage := s.authz.Brands(u, "campaign", "create")
	allRead, read := s.authz.Brands(u, "campaign", "read")
	return domain.CampaignView{
		Manage: domain.BrandScope{All: allManage, Brands: manage},
		Kits:   domain.BrandScope{All: allRead, Brands: read},
	}
}

func (s *Server) apiCreateCampaign(c echo.Context) error {
	var in domain.NewCampaign
	if err := decodeValid(c, &in); err != nil {
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
	list, err := s.store.Campaigns(c.Request().Context(), domain.CampaignView{Manage: domain.BrandScope{All: all, Brands: brands}}, s.now())
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
