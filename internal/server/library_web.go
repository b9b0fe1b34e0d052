package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type repLibraryForm struct{ Q, Channel, Audience string }

func (s *Server) repLibraryPage(c echo.Context) error {
	all, brands := s.authz.Brands(principalOf(c).user, "library", "read")
	form := repLibraryForm{Q: c.QueryParam("q"), Channel: c.QueryParam("channel"), Audience: c.QueryParam("audience")}
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
		if kits, err = s.store.Campaigns(ctx, domain.CampaignView{Kits: domain.BrandScope{All: call, Brands: cbrands}}, s.now()); err != nil {
			return err
		}
	}
	data := s.pageData(c, "My library")
	data.Form = form
	data.Flash = s.flashMessage(c)
	next := ""
	if page.NextCursor != "" {
		q := c.QueryParams()
		q.Set("cursor", page.NextCursor)
		next = "/library?" + q.Encode()
	}
	data.Data = map[string]any{"Items": page.Items, "Notices": open, "Kits": kits, "NextURL": next, "Channels": domain.Channels, "Audiences": domain.Audiences}
	return s.renderPage(c, http.StatusOK, "rep_library.html", data)
}

func (s *Server) webAddFeedback(c echo.Context) error {
	if _, err := s.addFeedback(c, c.Param("asset_id"), feedbackRequest{Kind: c.FormValue("kind"), Text: c.FormValue("text")}); err != nil {
		if domain.ErrorCode(err) != domain.EINVALID {
			return err
		}
		c.Set("flash_error", domain.ErrorMessage(err))
	}
	s.setFlash(c, "feedback_sent")
	return c.Redirect(http.StatusSeeOther, "/library")
}

func (s *Server) webAckNotice(c echo.Context) error {
	if err := s.store.AckNotice(c.Request().Context(), s.actor(c), c.Param("id")); err != nil {
		return err
	}
	s.setFlash(c, "notice_acked")
	return c.Redirect(http.StatusSeeOther, "/library")
}

func (s *Server) webPublish(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "publish")
	if err != nil {
		return err
	}
	day, err := time.Parse(time.DateOnly, strings.TrimSpace(c.FormValue("expires_on")))
	if err != nil {
		return s.showAssetError(c, v, &domain.Error{Code: domain.EINVALID, Message: "Some fields are not valid.", Fields: map[string]string{"expires_on": "Choose the expiry date."}})
	}
	// The piece stays valid through the whole expiry day (UTC).
	exp := day.Add(24*time.Hour - time.Second)
	if _, err := s.store.Publish(c.Request().Context(), s.actor(c), domain.PublishRequest{VersionID: v.ID, ExpiresAt: exp}); err != nil {
		return s.showAssetError(c, v, err)
	}
	s.setFlash(c, "published")
	return backToVersion(c, v)
}

func (s *Server) webWithdraw(c echo.Context) error {
	v, err := s.visibleVersion(c, "version", "withdraw")
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	var val domain.Validation
	val.Check(len(reason) >= 5 && len(reason) <= 1000, "reason", "Give the reason reps will see (5 to 1000 characters).")
	val.Check(c.FormValue("confirm") == "on", "confirm", "Confirm that reps lose access at once.")
	if err := val.Err(); err != nil {
		return s.showAssetError(c, v, err)
	}
	if _, err := s.store.Withdraw(c.Request().Context(), s.actor(c), v.ID, reason); err != nil {
		return s.showAssetError(c, v, err)
	}
	s.setFlash(c, "withdrawn")
	return backToVersion(c, v)
}

func (s *Server) expiringPage(c echo.Context) error {
	days, _ := strconv.Atoi(c.QueryParam("days"))
	if days != 60 && days != 90 {
		days = 30
	}
	all, brands := s.authz.Brands(principalOf(c).user, "asset", "read")
	now := s.now()
	items, err := s.store.ExpiringSoon(c.Request().Context(), all, brands, now, now.AddDate(0, 0, days))
	if err != nil {
		return err
	}
	data := s.pageData(c, "Expiring soon")
	data.Data = map[string]any{"Items": items, "Days": days, "Choices": []int{30, 60, 90}}
	return s.renderPage(c, http.StatusOK, "expiring.html", data)
}

// landingPath is where each role starts its work.
func (s *Server) landingPath(c echo.Context) string {
	u := principalOf(c).user
	switch {
	case s.authz.CanSomewhere(u, "version", "upload"):
		return "/assets"
	case s.authz.CanSomewhere(u, "review", "read"):
		return "/reviews"
	case s.authz.CanSomewhere(u, "library", "download"):
		return "/library"
	case s.authz.Can(u, domain.AllBrands, "audit", "read"):
		return "/audit"
	case s.authz.CanSomewhere(u, "user", "read"):
		return "/admin/users"
	}
	return ""
}

func (s *Server) noticeReportPage(c echo.Context) error {
	days, _ := strconv.Atoi(c.QueryParam("days"))
	if days != 7 && days != 14 {
		days = 3
	}
	all, brands := s.authz.Brands(principalOf(c).user, "notice", "report")
	items, err := s.store.UnackedNotices(c.Request().Context(), all, brands, s.now().AddDate(0, 0, -days))
	if err != nil {
		return err
	}
	data := s.pageData(c, "Unacknowledged notices")
	data.Data = map[string]any{"Items": items, "Days": days, "Choices": []int{3, 7, 14}}
	return s.renderPage(c, http.StatusOK, "notices_report.html", data)
}
