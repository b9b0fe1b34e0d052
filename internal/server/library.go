package server

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// libraryView is what library.html shows: the rep's current pieces, the
// notices to acknowledge and the live campaign kits.
type libraryView struct {
	*pageData
	Form libraryForm
	Data libraryData
}

func (libraryView) templateName() string { return "library.html" }

type libraryForm struct{ Q, Channel, Audience string }

type libraryData struct {
	Items     []domain.LibraryItem
	Notices   []domain.Notice
	Kits      []domain.Campaign
	NextURL   string
	Channels  []domain.Channel
	Audiences []domain.Audience
}

func (s *Server) libraryPage(c echo.Context) error {
	all, brands := s.authz.Brands(principalOf(c).user, "library", "read")
	form := libraryForm{Q: c.QueryParam("q"), Channel: c.QueryParam("channel"), Audience: c.QueryParam("audience")}
	f := domain.LibraryFilter{AllBrands: all, Brands: brands, Query: form.Q, Cursor: c.QueryParam("cursor")}
	if slices.Contains(domain.Channels, domain.Channel(form.Channel)) {
		f.Channel = domain.Channel(form.Channel)
	}
	if slices.Contains(domain.Audiences, domain.Audience(form.Audience)) {
		f.Audience = domain.Audience(form.Audience)
	}
	ctx := c.Request().Context()
	page, err := s.store.Library(ctx, f, s.now())
	if err != nil && domain.ErrorCode(err) != domain.EINVALID {
		return err
	}
	var open []domain.Notice
	if s.authz.CanSomewhere(principalOf(c).user, "notice", "read") {
		ns, err := s.store.Notices(ctx, principalOf(c).user.ID, s.now())
		if err != nil {
			return err
		}
		for _, n := range ns {
			if n.AckedAt == nil {
				open = append(open, n)
			}
		}
	}
	var kits []domain.Campaign
	if s.authz.CanSomewhere(principalOf(c).user, "campaign", "read") {
		call, cbrands := s.authz.Brands(principalOf(c).user, "campaign", "read")
		// The rep's page shows live kits only, whatever else the caller manages.
		view := domain.CampaignView{Kits: domain.BrandScope{All: call, Brands: cbrands}}
		if kits, err = s.store.Campaigns(ctx, view, s.now()); err != nil {
			return err
		}
	}
	data := libraryView{pageData: s.pageData(c, "My library"), Form: form}
	data.Flash = s.flashMessage(c)
	next := ""
	if page.NextCursor != "" {
		q := c.QueryParams()
		q.Set("cursor", page.NextCursor)
		next = "/library?" + q.Encode()
	}
	data.Data = libraryData{Items: page.Items, Notices: open, Kits: kits, NextURL: next,
		Channels: domain.Channels, Audiences: domain.Audiences}
	return s.renderPage(c, http.StatusOK, data)
}

func (s *Server) apiLibrary(c echo.Context) error {
	all, brands := s.authz.Brands(principalOf(c).user, "library", "read")
	f := domain.LibraryFilter{
		AllBrands: all,
		Brands:    brands,
		Brand:     c.QueryParam("brand"),
		Audience:  domain.Audience(c.QueryParam("audience")),
		Channel:   domain.Channel(c.QueryParam("channel")),
		Query:     c.QueryParam("q"),
		Cursor:    c.QueryParam("cursor"),
	}
	var val domain.Validation
	val.Check(f.Audience == "" || slices.Contains(domain.Audiences, f.Audience), "audience", "Choose hcp, patient or payer.")
	val.Check(f.Channel == "" || slices.Contains(domain.Channels, f.Channel), "channel", "Unknown channel.")
	val.Check(len(f.Query) <= 200, "q", "Use at most 200 characters.")
	if err := val.Err(); err != nil {
		return err
	}
	page, err := s.store.Library(c.Request().Context(), f, s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// apiLibraryContent streams the asset's current piece to a rep and records
// the usage. Expired or withdrawn material is 410 with the reason; the time
// is read now, so nothing is served after its expiry.
func (s *Server) apiLibraryContent(c echo.Context) error {
	all, brands := s.authz.Brands(principalOf(c).user, "library", "download")
	_, v, err := s.store.CurrentPiece(c.Request().Context(), c.Param("asset_id"), all, brands, s.now())
	if err != nil {
		return err
	}
	return s.serveVersion(c, v, wantsInline(c, v.MediaType), func() error {
		return s.store.RecordUsage(c.Request().Context(), s.actor(c), v, "download")
	})
}

// apiLibraryChanges is the sync feed for offline apps and CRMs.
func (s *Server) apiLibraryChanges(c echo.Context) error {
	all, brands := s.authz.Brands(principalOf(c).user, "library", "read")
	limit, err := queryInt(c, "limit", 0, 1, 1000, "Use a number from 1 to 1000.")
	if err != nil {
		return err
	}
	page, err := s.store.LibraryChanges(c.Request().Context(), c.QueryParam("since"), all, brands, limit, s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}
